"""The staff page for one member: facts, history, Life membership, and its query budget."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from billing.models import Payment, PaymentState
from membership.models import Membership, MembershipTerm, Status, TermKind
from membership.services.lifecycle import waiver_request
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db


def page_of(member) -> str:
    return reverse("billing_staff:member_detail", args=[member.member_number])


def life_url(member) -> str:
    return reverse("billing_staff:member_life", args=[member.member_number])


@pytest.fixture
def paid_member():
    member = MemberFactory(full_name="Jordan Paid", annual_salary_cents=187_654_00)
    pay_invoice(issue_invoice(member), reference="CHQ-4471")
    return member


def test_page_shows_profile_facts_including_salary(staff_client, paid_member):
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert "Jordan Paid" in body
    assert paid_member.user.email in body
    assert "$187,654.00" in body


def test_page_accepts_a_member_number_typed_without_zeros(staff_client, paid_member):
    response = staff_client.get(f"/staff/members/m{paid_member.pk}/")
    assert response.context["member"] == paid_member


def test_status_is_computed_from_the_dates_not_the_stored_column(client, membership_staff):
    member = MemberFactory()
    with time_machine.travel(dt.datetime(2026, 7, 10, 15, tzinfo=dt.UTC)):
        pay_invoice(issue_invoice(member, on=dt.date(2026, 7, 10)), on=dt.date(2026, 7, 10))
    with time_machine.travel(dt.datetime(2027, 10, 1, 15, tzinfo=dt.UTC)):
        client.force_login(membership_staff)
        response = client.get(page_of(member))
    assert Membership.objects.get(member=member).status == Status.ACTIVE
    assert response.context["file"].status == Status.LAPSED
    assert '<span class="badge badge-error">Lapsed</span>' in response.content.decode()


def test_page_lists_terms_with_kind_dates_status_and_reason(staff_client, paid_member):
    term = MembershipTerm.objects.get(membership__member=paid_member)
    term.reason = "Paid by the city"
    term.save()
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert "Join" in body
    assert term.start_on.strftime("%B %-d, %Y") in body
    assert term.end_on.strftime("%B %-d, %Y") in body
    assert "Paid by the city" in body


def test_page_lists_invoices_with_a_link_to_each(staff_client, paid_member):
    invoice = paid_member.invoices.get()
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert reverse("billing_staff:invoice_detail", args=[invoice.number]) in body
    assert '<span class="badge badge-ok">Paid</span>' in body


def test_page_lists_payments_with_reference(staff_client, paid_member):
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert "CHQ-4471" in body
    assert "Overpayment" not in body


def test_page_flags_an_overpayment(staff_client, paid_member):
    pay_invoice(paid_member.invoices.get(), amount_cents=500_00, reference="CHQ-DUP")
    assert Payment.objects.get(reference="CHQ-DUP").is_overpayment
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert "Overpayment: return it" in body


def test_open_invoice_offers_record_and_cancel_links(staff_client):
    member = MemberFactory()
    invoice = issue_invoice(member)
    body = staff_client.get(page_of(member)).content.decode()
    assert reverse("billing_staff:invoice_record_payment", args=[invoice.number]) in body
    assert reverse("billing_staff:invoice_cancel", args=[invoice.number]) in body


def test_paid_invoice_offers_no_record_or_cancel_links(staff_client, paid_member):
    invoice = paid_member.invoices.get()
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert reverse("billing_staff:invoice_record_payment", args=[invoice.number]) not in body
    assert reverse("billing_staff:invoice_cancel", args=[invoice.number]) not in body


def test_pending_waiver_request_shows_decision_buttons(staff_client, paid_member):
    waiver = waiver_request(member=paid_member, reason="Council dissolved the manager post.")
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert "Council dissolved the manager post." in body
    assert reverse("billing_staff:waiver_decide", args=[waiver.pk]) in body
    assert 'for="waiver-note-' in body


def test_member_who_never_joined_has_empty_states(staff_client):
    member = MemberFactory()
    body = staff_client.get(page_of(member)).content.decode()
    assert "No terms yet" in body
    assert "No invoices." in body
    assert "No payments." in body


# --- Life membership ---


def test_life_confirmation_page_changes_nothing(staff_client, paid_member):
    response = staff_client.get(life_url(paid_member))
    assert "Confer Life membership" in response.content.decode()
    assert not MembershipTerm.objects.filter(kind=TermKind.LIFE).exists()


def test_life_needs_the_confirmation_box(staff_client, paid_member):
    response = staff_client.post(life_url(paid_member), {"reason": "Board vote"})
    assert "Tick the box to confirm." in response.content.decode()
    assert not MembershipTerm.objects.filter(kind=TermKind.LIFE).exists()


def test_life_conferral_makes_a_life_term_after_the_paid_one(staff_client, paid_member):
    paid_through = Membership.objects.get(member=paid_member).paid_through_on
    response = staff_client.post(
        life_url(paid_member), {"reason": "Board resolution 2026-14", "confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == page_of(paid_member)
    life = MembershipTerm.objects.get(kind=TermKind.LIFE)
    assert life.start_on == paid_through
    assert life.reason == "Board resolution 2026-14"
    assert Membership.objects.get(member=paid_member).category.code == "life"


def test_life_conferral_says_so(staff_client, paid_member):
    response = staff_client.post(life_url(paid_member), {"confirm": "on"}, follow=True)
    assert "Jordan Paid is now a Life member." in response.content.decode()


def test_life_member_page_offers_no_second_conferral(staff_client, paid_member):
    staff_client.post(life_url(paid_member), {"confirm": "on"})
    body = staff_client.get(page_of(paid_member)).content.decode()
    assert life_url(paid_member) not in body
    assert "No end (Life)" in body


def test_conferring_life_twice_shows_the_services_message(staff_client, paid_member):
    staff_client.post(life_url(paid_member), {"confirm": "on"})
    response = staff_client.post(life_url(paid_member), {"confirm": "on"})
    assert "This member is already a Life member." in response.content.decode()
    assert MembershipTerm.objects.filter(kind=TermKind.LIFE).count() == 1


# --- Query budget: the page stays constant as data grows (acceptance 7) ---

# 15 since the page lists the profile changes staff made (one query, at most 20 rows).
MEMBER_PAGE_BUDGET = 15


def renew_times(member, count: int) -> None:
    """`count` terms: a join, then renewals each paid inside the renewal window."""
    on = dt.date(2026, 7, 15)
    for n in range(count):
        kind = "join" if n == 0 else "renewal"
        with time_machine.travel(dt.datetime(on.year, on.month, on.day, 15, tzinfo=dt.UTC)):
            pay_invoice(issue_invoice(member, kind=kind, on=on), on=on, reference=f"CHQ-{n}")
        on = Membership.objects.get(member=member).paid_through_on - dt.timedelta(days=30)


@pytest.fixture(params=[1, 20], ids=["1-term", "20-terms"])
def history(request):
    member = MemberFactory()
    renew_times(member, request.param)
    waiver_request(member=member, reason="Between jobs.")
    return member, request.param


def test_member_page_query_budget_with_many_terms(
    staff_client, history, django_assert_max_num_queries
):
    member, terms = history
    with django_assert_max_num_queries(MEMBER_PAGE_BUDGET):
        response = staff_client.get(page_of(member))
    assert len(response.context["file"].terms) == terms
    assert len(response.context["file"].payments) == terms


@pytest.fixture(params=[1, 10_000], ids=["1-member", "10000-members"])
def population(request, paid_member):
    if request.param > 1:
        call_command(
            "seed_members",
            count=request.param - 1,
            seed=7,
            with_memberships=True,
            stdout=io.StringIO(),
        )
    return request.param


def test_member_page_query_budget_with_many_members(
    staff_client, paid_member, population, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MEMBER_PAGE_BUDGET):
        response = staff_client.get(page_of(paid_member))
    assert response.context["member"] == paid_member


def test_card_payments_link_to_their_stripe_page(staff_client):
    member = MemberFactory()
    invoice = issue_invoice(member)
    payment = Payment.objects.create(
        invoice=invoice, gateway="stripe", state=PaymentState.FAILED, amount_cents=100
    )
    body = staff_client.get(reverse("billing_staff:member_detail", args=[member.member_number]))
    assert reverse("stripe:staff_payment", args=[payment.pk]) in body.content.decode()
