"""Membership staff doing a member's work: opening an account by hand, changing the facts
(audited, and the member is told), issuing a join or renewal invoice on their behalf with the
member's own engine and rules, and correcting a term's dates with a reason."""

import datetime as dt
import html
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from billing.models import Invoice, InvoiceStatus
from communications.models import OutgoingMessage
from membership.dates import add_months
from membership.models import (
    AuditEntry,
    Member,
    Membership,
    MembershipTerm,
    MembershipTermEvent,
    Status,
    TermStatus,
)
from membership.services.staff_members import CONFIDENTIAL
from tests.factories import (
    PASSWORD,
    MemberFactory,
    activate_membership,
    issue_invoice,
    pay_invoice,
)

pytestmark = pytest.mark.django_db

NEW = reverse("billing_staff:member_new")


def url(name, member, *args):
    return reverse(f"billing_staff:{name}", args=[member.member_number, *args])


def new_member_data(**overrides):
    data = {
        "email": "Morgan.Ellery@Fairhaven.gov",
        "full_name": "Morgan Ellery",
        "position": "cao",
        "job_title": "Town Manager",
        "employer": "Town of Fairhaven",
        "country": "US",
        "state_province": "MA",
        "population": "6,200",
        "general_fund_budget": "5,400,000",
        "annual_salary": "$132,500",
        "send_claim": "on",
    }
    data.update(overrides)
    return data


def audit_of(member, action):
    return AuditEntry.objects.filter(
        object_type="membership.member", object_id=str(member.pk), action=action
    )


# --- Creating a member by hand ---------------------------------------------------------------


def test_staff_create_a_member_with_no_password_and_the_facts_typed(
    staff_client, membership_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(NEW, new_member_data())
    member = Member.objects.get(full_name="Morgan Ellery")
    assert response.status_code == 302
    assert response["Location"] == url("member_detail", member)
    assert member.user.email == "morgan.ellery@fairhaven.gov"
    assert not member.user.has_usable_password()
    assert member.user.last_login is None
    assert EmailAddress.objects.get(user=member.user).verified is False
    assert (member.position, member.employer, member.state_province) == (
        "cao",
        "Town of Fairhaven",
        "MA",
    )
    assert member.population == 6_200
    assert member.general_fund_budget_cents == 5_400_000_00
    assert member.annual_salary_cents == 132_500_00
    entry = audit_of(member, "staff_create").get()
    assert entry.actor == membership_staff
    assert entry.changes["employer"] == [None, "Town of Fairhaven"]
    # The salary's amount is never kept in the trail.
    assert entry.changes["annual_salary_cents"] == [None, CONFIDENTIAL]
    assert "13250000" not in str(entry.changes)


def test_the_claim_email_is_the_import_claim_and_its_link_verifies_the_address(
    staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(NEW, new_member_data())
    member = Member.objects.get(full_name="Morgan Ellery")
    claim = OutgoingMessage.objects.get(key=f"claim-{member.pk}")
    assert claim.template == "membership/email/claim_account"
    assert claim.to == member.user.email
    assert member.member_number in claim.body_text
    member.refresh_from_db()
    assert member.claim_sent_at is not None

    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/\S+)", claim.body_text).group(1)
    visitor = Client()
    form_page = visitor.get(link, follow=True)
    assert b'name="password1"' in form_page.content
    done = visitor.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert done.status_code == 302
    assert EmailAddress.objects.get(user=member.user).verified
    signed_in = visitor.post(
        reverse("account_login"), {"login": member.user.email, "password": PASSWORD}
    )
    assert "/accounts/confirm-email/" not in signed_in["Location"]


def test_no_claim_email_when_staff_untick_it_and_it_can_be_sent_later(
    staff_client, django_capture_on_commit_callbacks
):
    staff_client.post(NEW, new_member_data(send_claim=""))
    member = Member.objects.get(full_name="Morgan Ellery")
    assert not OutgoingMessage.objects.filter(user=member.user).exists()
    page = staff_client.get(url("member_detail", member)).content.decode()
    assert "no link to claim it has been sent" in page

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("member_claim", member))
    assert OutgoingMessage.objects.filter(key=f"claim-{member.pk}").count() == 1
    # A second send, once the first link may have expired, is a second message.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("member_claim", member))
    assert OutgoingMessage.objects.filter(template="membership/email/claim_account").count() == 2


def test_no_claim_email_for_an_account_already_signed_in_to(staff_client, member):
    member.user.last_login = timezone.now()
    member.user.save(update_fields=["last_login"])
    response = staff_client.post(url("member_claim", member), follow=True)
    assert "has been signed in to already" in response.content.decode()
    assert not OutgoingMessage.objects.filter(template="membership/email/claim_account").exists()


def test_a_duplicate_email_is_refused_with_a_link_to_the_member_and_nothing_typed_is_lost(
    staff_client,
):
    existing = MemberFactory(user__email="morgan.ellery@fairhaven.gov", full_name="Morgan E.")
    users_before = Member.objects.count()
    response = staff_client.post(NEW, new_member_data(email="MORGAN.ELLERY@fairhaven.gov"))
    body = response.content.decode()
    assert response.status_code == 200
    assert Member.objects.count() == users_before
    assert f"already has an account: member {existing.member_number}" in body
    assert f'href="{url("member_detail", existing)}"' in body
    assert 'value="Town of Fairhaven"' in body
    assert 'value="$132,500"' in body


def test_a_duplicate_of_a_secondary_address_is_refused_too(staff_client):
    existing = MemberFactory()
    EmailAddress.objects.create(user=existing.user, email="second@fairhaven.gov", verified=True)
    response = staff_client.post(NEW, new_member_data(email="second@fairhaven.gov"))
    assert existing.member_number in response.content.decode()
    assert not Member.objects.filter(full_name="Morgan Ellery").exists()


def test_a_bad_figure_is_explained_and_keeps_the_rest(staff_client):
    response = staff_client.post(NEW, new_member_data(annual_salary="lots"))
    body = response.content.decode()
    assert "Enter an amount in US dollars" in body
    assert 'value="Morgan Ellery"' in body
    assert not Member.objects.filter(full_name="Morgan Ellery").exists()


# --- Editing a member's facts ----------------------------------------------------------------


def edit_data(member, **overrides):
    data = {
        "full_name": member.full_name,
        "position": member.position,
        "job_title": member.job_title,
        "employer": member.employer,
        "country": str(member.country),
        "state_province": member.state_province,
        "population": str(member.population or ""),
        "general_fund_budget": str((member.general_fund_budget_cents or 0) / 100),
        "annual_salary": str((member.annual_salary_cents or 0) / 100),
    }
    data.update(overrides)
    return data


def test_staff_edit_the_dues_facts_and_the_trail_names_them_and_what_changed(
    staff_client, membership_staff, member
):
    response = staff_client.post(
        url("member_edit", member),
        edit_data(member, annual_salary="161000", population="7000", employer="Town of Alder"),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.annual_salary_cents == 161_000_00
    assert member.population == 7_000
    entry = audit_of(member, "staff_update").get()
    assert entry.actor == membership_staff
    assert entry.changes["population"] == [250_000, 7_000]
    assert entry.changes["employer"][1] == "Town of Alder"
    assert entry.changes["annual_salary_cents"] == [CONFIDENTIAL, CONFIDENTIAL]
    assert set(entry.changes) == {"annual_salary_cents", "population", "employer"}

    page = staff_client.get(url("member_detail", member)).content.decode()
    section = page[page.index('id="staff-changes-h"') :]
    assert "Town of Alder" in section
    assert "250,000" in section and "7,000" in section
    assert "changed (amount not recorded)" in section
    assert membership_staff.email in section


def test_saving_unchanged_facts_writes_nothing_and_tells_the_member_nothing(staff_client, member):
    staff_client.post(url("member_edit", member), edit_data(member))
    assert not audit_of(member, "staff_update").exists()
    member_client = Client()
    member_client.force_login(member.user)
    assert (
        "staff-change-notice"
        not in member_client.get(reverse("membership:profile")).content.decode()
    )


def test_the_member_sees_that_staff_changed_their_salary_and_community_facts(
    staff_client, membership_staff, member
):
    staff_client.post(url("member_edit", member), edit_data(member, annual_salary="171000"))
    member_client = Client()
    member_client.force_login(member.user)
    today = date_format(timezone.localdate())
    for page in (reverse("membership:profile"), reverse("billing:dashboard")):
        body = member_client.get(page).content.decode()
        notice = re.search(r'data-testid="staff-change-notice">(.*?)</div>', body, re.S).group(1)
        assert "Your salary and community facts were updated by ICMA membership staff" in notice
        assert "annual salary" in notice
        assert f"on {today}" in notice
        # Who changed it and the staff-only trail stay with staff.
        assert membership_staff.email not in body
        assert "confidential)" not in body


def test_a_profile_only_change_is_announced_as_such(staff_client, member):
    staff_client.post(url("member_edit", member), edit_data(member, job_title="County Manager"))
    member_client = Client()
    member_client.force_login(member.user)
    body = member_client.get(reverse("membership:profile")).content.decode()
    assert "Your profile was updated by ICMA membership staff" in body
    assert "job title" in body


def test_an_invalid_edit_keeps_what_was_typed_and_changes_nothing(staff_client, member):
    response = staff_client.post(
        url("member_edit", member),
        edit_data(member, employer="Town of Alder", population="-5"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Town of Alder"' in body
    assert "population cannot be negative" in body
    member.refresh_from_db()
    assert member.employer != "Town of Alder"
    assert not audit_of(member, "staff_update").exists()


# --- Issuing an invoice on the member's behalf -----------------------------------------------

FACTS = {"position": "cao", "salary": "150000", "population": "5000", "budget": "5000000"}


def invoice_data(category_code="full", **overrides):
    from membership.models import MembershipCategory

    data = {
        "category": str(MembershipCategory.objects.get(code=category_code).pk),
        "position": FACTS["position"],
        "annual_salary": FACTS["salary"],
        "population": FACTS["population"],
        "general_fund_budget": FACTS["budget"],
        "small_community_attested": "on",
        "email_member": "on",
        "action": "review",
    }
    data.update(overrides)
    return data


def shown_total(body: str) -> str:
    return re.search(r'data-testid="quote-total">([^<]+)<', body).group(1)


def test_review_shows_the_quote_lines_and_issues_nothing(staff_client, member):
    response = staff_client.post(url("member_invoice", member), invoice_data())
    body = response.content.decode()
    assert shown_total(body) == "$780.00"
    lines = re.search(r'data-testid="quote-lines">(.*?)</table>', body, re.S).group(1)
    assert "0.65" in lines and "Small community" in lines
    assert "Issue the invoice for $780.00" in body
    assert not Invoice.objects.filter(member=member).exists()


def test_a_staff_issued_join_invoice_equals_the_members_own_quote_and_the_public_api(
    client, staff_client, membership_staff, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    twin = MemberFactory()
    api = client.get(reverse("dues:quote_api"), {"category": "full", **FACTS}).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("member_invoice", member), invoice_data(action="confirm"))
    invoice = Invoice.objects.get(member=member)
    assert response["Location"] == reverse("billing_staff:invoice_detail", args=[invoice.number])
    assert invoice.kind == "join"
    assert invoice.total_cents == api["total_cents"] == 780_00
    assert [(line.label, line.amount_cents) for line in invoice.lines.order_by("position")] == [
        (line["label"], line["amount_cents"]) for line in api["lines"]
    ]
    assert invoice.term.created_by == membership_staff
    assert invoice.status == InvoiceStatus.OPEN

    # The same facts through the member's own checkout give the same invoice.
    member_client = Client()
    member_client.force_login(twin.user)
    own = invoice_data(action="confirm", payment_method="offline")
    own.pop("email_member")
    member_client.post(reverse("billing:join"), own)
    twin_invoice = Invoice.objects.get(member=twin)
    assert twin_invoice.total_cents == invoice.total_cents
    assert list(twin_invoice.lines.values_list("label", "amount_cents")) == list(
        invoice.lines.values_list("label", "amount_cents")
    )
    # E-mailed with its PDF, as the member's own.
    sent = OutgoingMessage.objects.get(key=f"invoice-{invoice.pk}")
    assert sent.to == member.user.email
    # The facts used become the profile's, recorded as a staff change.
    member.refresh_from_db()
    assert member.population == 5_000
    assert audit_of(member, "staff_update").exists()


def test_staff_may_keep_the_invoice_from_being_emailed(staff_client, member):
    staff_client.post(
        url("member_invoice", member), invoice_data(action="confirm", email_member="")
    )
    invoice = Invoice.objects.get(member=member)
    assert not OutgoingMessage.objects.filter(key=f"invoice-{invoice.pk}").exists()


def test_a_renewal_in_the_window_is_a_renewal_and_extends_from_the_end_date(staff_client):
    member = MemberFactory()
    end_on = timezone.localdate() + dt.timedelta(days=40)
    activate_membership(member, category="full", end_on=end_on)
    page = staff_client.get(url("member_detail", member)).content.decode()
    assert "Issue a renewal invoice" in page
    staff_client.post(url("member_invoice", member), invoice_data(action="confirm"))
    invoice = Invoice.objects.get(member=member)
    assert invoice.kind == "renewal"
    pay_invoice(invoice)
    membership = Membership.objects.get(member=member)
    assert membership.paid_through_on == add_months(end_on, 12)


def test_a_renewal_before_the_window_is_refused_with_the_day_it_opens(staff_client):
    member = MemberFactory()
    activate_membership(member, end_on=timezone.localdate() + dt.timedelta(days=200))
    page = staff_client.get(url("member_detail", member)).content.decode()
    assert "Issue a renewal invoice" not in page and "Issue a join invoice" not in page
    response = staff_client.post(url("member_invoice", member), invoice_data(action="confirm"))
    refusal = re.search(r'data-testid="refusal">(.*?)</div>', response.content.decode(), re.S)
    assert "renewal opens on" in refusal.group(1)
    assert not Invoice.objects.filter(member=member).exists()


def test_a_second_invoice_is_refused_while_one_is_open(staff_client, member):
    open_invoice = issue_invoice(member)
    response = staff_client.get(url("member_invoice", member))
    assert f"Invoice {open_invoice.number} is still open" in response.content.decode()


def test_installments_follow_the_members_rules(staff_client):
    member = MemberFactory()
    activate_membership(member, category="full", end_on=timezone.localdate() + dt.timedelta(30))
    staff_client.post(
        url("member_invoice", member), invoice_data(action="confirm", installments="4")
    )
    invoice = Invoice.objects.get(member=member)
    assert invoice.installment_count == 4
    assert sum(invoice.installments.values_list("amount_cents", flat=True)) == invoice.total_cents


def test_life_is_offered_to_staff_and_settles_at_once(staff_client, member):
    body = staff_client.get(url("member_invoice", member)).content.decode()
    assert "Life member" in body
    staff_client.post(url("member_invoice", member), invoice_data("life", action="confirm"))
    invoice = Invoice.objects.get(member=member)
    assert invoice.total_cents == 0
    assert invoice.status == InvoiceStatus.PAID
    membership = Membership.objects.get(member=member)
    assert membership.category.code == "life"
    assert membership.status == Status.ACTIVE
    # Settled as "No dues owed", never as a cheque of $0.00.
    (payment,) = invoice.payments.all()
    assert (payment.amount_cents, payment.gateway) == (0, "none")
    from billing.documents import payment_method_label

    assert payment_method_label(payment) == "No dues owed"


def test_the_member_cannot_choose_life_at_their_own_checkout(member_client):
    body = member_client.get(reverse("billing:join")).content.decode()
    assert "Life member" not in body


# --- Adjusting a term's dates ----------------------------------------------------------------


@pytest.fixture
def two_terms():
    """A member with a paid term and the renewal chained onto it."""
    member = MemberFactory()
    today = timezone.localdate()
    first_end = today + dt.timedelta(days=20)
    activate_membership(member, category="full", end_on=first_end)
    staff_renewal = issue_invoice(member, kind="renewal")
    pay_invoice(staff_renewal)
    first = MembershipTerm.objects.get(membership__member=member, end_on=first_end)
    second = staff_renewal.term
    second.refresh_from_db()
    return member, first, second


def dates_data(start_on, end_on, reason="The old system recorded the wrong start.", **more):
    return {
        "start_on": start_on.isoformat(),
        "end_on": end_on.isoformat(),
        "reason": reason,
        "action": "confirm",
        **more,
    }


def test_adjusting_the_last_terms_end_moves_paid_through_and_keeps_the_reason(
    staff_client, two_terms
):
    member, _first, second = two_terms
    new_end = second.end_on + dt.timedelta(days=31)
    response = staff_client.post(
        url("term_dates", member, second.pk), dates_data(second.start_on, new_end)
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.end_on == new_end
    assert "The old system recorded the wrong start." in second.reason
    assert Membership.objects.get(member=member).paid_through_on == new_end
    page = staff_client.get(url("member_detail", member)).content.decode()
    assert "The old system recorded the wrong start." in page


def test_the_status_follows_the_terms(staff_client):
    member = MemberFactory()
    today = timezone.localdate()
    activate_membership(member, end_on=today + dt.timedelta(days=100))
    term = MembershipTerm.objects.get(membership__member=member)
    staff_client.post(
        url("term_dates", member, term.pk),
        dates_data(today - dt.timedelta(days=500), today - dt.timedelta(days=135)),
    )
    membership = Membership.objects.get(member=member)
    assert membership.status == Status.LAPSED
    assert membership.member_since_on == today - dt.timedelta(days=500)


def test_the_review_says_what_the_membership_becomes_and_saves_nothing(staff_client, two_terms):
    member, _first, second = two_terms
    new_end = second.end_on + dt.timedelta(days=10)
    response = staff_client.post(
        url("term_dates", member, second.pk),
        dates_data(second.start_on, new_end, action="review"),
    )
    preview = re.search(
        r'data-testid="term-preview">(.*?)</dl>', response.content.decode(), re.S
    ).group(1)
    assert new_end.strftime("%Y") in preview and "Active" in preview
    second.refresh_from_db()
    assert second.end_on != new_end
    assert Membership.objects.get(member=member).paid_through_on == second.end_on


def test_overlapping_another_paid_term_is_refused_and_says_which(staff_client, two_terms):
    member, first, second = two_terms
    response = staff_client.post(
        url("term_dates", member, first.pk),
        dates_data(first.start_on, first.end_on + dt.timedelta(days=5)),
    )
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "overlap the member's renewal term" in body
    assert "adjust that term first" in body
    first.refresh_from_db()
    assert first.end_on == second.start_on
    # The reason typed is still in the form.
    assert "The old system recorded the wrong start." in body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": ""}, "Say why the dates change."),
        ({"end_on": "2020-01-01"}, "The end date must come after the start date"),
        ({"start_on": "next July"}, "Enter the date as YYYY-MM-DD"),
    ],
)
def test_invalid_dates_or_no_reason_are_explained(staff_client, two_terms, change, message):
    member, _first, second = two_terms
    data = {**dates_data(second.start_on, second.end_on + dt.timedelta(days=3)), **change}
    response = staff_client.post(url("term_dates", member, second.pk), data)
    assert message in response.content.decode()
    before = second.end_on
    second.refresh_from_db()
    assert second.end_on == before


def test_a_pending_term_has_no_dates_to_adjust(staff_client, member):
    invoice = issue_invoice(member)
    term = invoice.term
    response = staff_client.post(
        url("term_dates", member, term.pk),
        dates_data(timezone.localdate(), timezone.localdate() + dt.timedelta(days=365)),
    )
    assert "only paid terms have dates to adjust" in response.content.decode()
    term.refresh_from_db()
    assert term.status == TermStatus.PENDING and term.start_on is None


def test_another_members_term_is_not_found(staff_client, two_terms):
    _member, _first, second = two_terms
    other = MemberFactory()
    response = staff_client.get(url("term_dates", other, second.pk))
    assert response.status_code == 404


# --- Query budgets -----------------------------------------------------------------------------

PAGE_BUDGET = 16


@pytest.fixture
def busy_member():
    """A member with several terms, invoices and staff changes: the budgets must not grow."""
    member = MemberFactory()
    activate_membership(member, end_on=timezone.localdate() + dt.timedelta(days=30))
    for _ in range(3):
        pay_invoice(issue_invoice(member, kind="renewal"))
    return member


@pytest.mark.parametrize("name", ["member_edit", "member_invoice"])
def test_staff_work_pages_have_a_query_budget(
    staff_client, busy_member, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(PAGE_BUDGET):
        assert staff_client.get(url(name, busy_member)).status_code == 200


def test_term_dates_page_has_a_query_budget(
    staff_client, busy_member, django_assert_max_num_queries
):
    term = MembershipTerm.objects.filter(membership__member=busy_member).first()
    with django_assert_max_num_queries(PAGE_BUDGET):
        assert staff_client.get(url("term_dates", busy_member, term.pk)).status_code == 200


def test_new_member_page_has_a_query_budget(staff_client, django_assert_max_num_queries):
    MemberFactory.create_batch(5)
    with django_assert_max_num_queries(PAGE_BUDGET):
        assert staff_client.get(NEW).status_code == 200


def test_invoice_review_has_a_query_budget(
    staff_client, busy_member, django_assert_max_num_queries
):
    Membership.objects.filter(member=busy_member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=20)
    )
    Invoice.objects.filter(member=busy_member).update(status=InvoiceStatus.PAID)
    with django_assert_max_num_queries(PAGE_BUDGET + 4):
        response = staff_client.post(url("member_invoice", busy_member), invoice_data())
    assert "quote-total" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="history triggers need PostgreSQL")
def test_the_date_change_is_in_the_history_naming_the_staff_user_and_the_reason(
    staff_client, membership_staff, two_terms
):
    member, _first, second = two_terms
    old_end = second.end_on
    new_end = old_end + dt.timedelta(days=14)
    staff_client.post(
        url("term_dates", member, second.pk),
        dates_data(second.start_on, new_end, reason="Paid early; the old system lost 14 days."),
    )
    event = MembershipTermEvent.objects.filter(pgh_obj=second, pgh_label="update").latest("pgh_id")
    assert event.end_on == new_end
    assert event.pgh_context.metadata["user"] == membership_staff.pk
    assert event.pgh_context.metadata["url_name"] == "billing_staff:term_dates"
    body = staff_client.get(url("member_detail", member)).content.decode()
    history = body[body.index('id="history-h"') :]
    history = history[: history.index("</section>")]
    assert date_format(old_end, "M j, Y") in history and date_format(new_end, "M j, Y") in history
    assert "Paid early; the old system lost 14 days." in history
    assert membership_staff.email in history
