import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus
from membership.models import DuesRate, Membership, MembershipCategory, Status
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db


def review_data(**overrides):
    data = {
        "category": str(MembershipCategory.objects.get(code="full").pk),
        "position": "acao",
        "annual_salary": "120,000",
        "population": "5000",
        "general_fund_budget": "5000000",
        "small_community_attested": "on",
        "payment_method": "offline",
        "action": "review",
    }
    data.update(overrides)
    return data


def test_join_review_shows_the_quote_and_issues_nothing(member_client, member):
    response = member_client.post(reverse("billing:join"), review_data())
    body = response.content.decode()
    assert "$624.00" in body
    assert "Small community" in body
    assert not Invoice.objects.filter(member=member).exists()


def test_join_without_attestation_gets_no_small_community_discount(member_client):
    response = member_client.post(reverse("billing:join"), review_data(small_community_attested=""))
    assert "$780.00" in response.content.decode()


def test_join_confirm_issues_a_frozen_invoice_and_a_pending_term(member_client, member):
    response = member_client.post(reverse("billing:join"), review_data(action="confirm"))
    invoice = Invoice.objects.get(member=member)
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:invoice", args=[invoice.number])
    assert invoice.total_cents == 624_00
    assert [line.amount_cents for line in invoice.lines.all()][0] == 780_00
    assert Membership.objects.get(member=member).status == Status.PENDING
    member.refresh_from_db()
    assert member.annual_salary_cents == 120_000_00


def test_category_that_does_not_fit_the_position_is_refused(member_client):
    student = MembershipCategory.objects.get(code="student")
    response = member_client.post(
        reverse("billing:join"), review_data(category=str(student.pk), action="confirm")
    )
    assert "is not open to your position" in response.content.decode()
    assert not Invoice.objects.exists()


def test_missing_salary_for_a_salary_rate_says_what_to_do(member_client):
    response = member_client.post(reverse("billing:join"), review_data(annual_salary=""))
    assert "Enter your annual salary" in response.content.decode()


def test_life_category_cannot_be_chosen(member_client):
    life = MembershipCategory.objects.get(code="life")
    response = member_client.post(reverse("billing:join"), review_data(category=str(life.pk)))
    assert "Select a valid choice" in response.content.decode()


def test_invoice_issued_before_a_dues_change_keeps_amount_and_lines(member_client, member):
    invoice = issue_invoice(member)
    lines_before = list(invoice.lines.values_list("label", "amount_cents"))
    # The price changes afterwards (here: the rate itself is raised).
    DuesRate.objects.filter(category__code="full", method="salary_percent").update(percent_bp=90)
    response = member_client.post(reverse("billing:renew"), {})
    invoice.refresh_from_db()
    assert invoice.total_cents == 975_00
    assert list(invoice.lines.values_list("label", "amount_cents")) == lines_before
    page = member_client.get(reverse("billing:invoice", args=[invoice.number])).content.decode()
    assert "$975.00" in page
    # Paying the invoice takes the amount it was issued for.
    pay_invoice(invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert response.status_code == 302


def test_renew_is_refused_before_the_window_opens(member_client, member):
    pay_invoice(issue_invoice(member))
    response = member_client.get(reverse("billing:renew"), follow=True)
    assert "Renewal opens on" in response.content.decode()


def test_renew_inside_the_window_offers_installments(member_client, member):
    invoice = issue_invoice(member, on=dt.date(2026, 7, 15))
    pay_invoice(invoice, on=dt.date(2026, 7, 15))  # ends 2027-07-15
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    response = member_client.get(reverse("billing:renew"))
    assert response.status_code == 200
    assert "4 installments across the year" in response.content.decode()


def test_dashboard_shows_status_dates_and_receipts(member_client, member):
    invoice = issue_invoice(member)
    pay_invoice(invoice, reference="CHQ-881")
    body = member_client.get(reverse("billing:dashboard")).content.decode()
    assert 'data-testid="membership-status">Active' in body
    end = Membership.objects.get(member=member).paid_through_on
    assert end.strftime("%B %-d, %Y") in body
    assert invoice.number in body
    assert reverse("billing:receipt", args=[invoice.number]) in body


def test_receipt_pdf_downloads(member_client, member):
    invoice = issue_invoice(member)
    pay_invoice(invoice)
    response = member_client.get(reverse("billing:receipt_pdf", args=[invoice.number]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_unpaid_invoice_has_no_receipt(member_client, member):
    invoice = issue_invoice(member)
    assert member_client.get(reverse("billing:receipt", args=[invoice.number])).status_code == 404


@pytest.mark.parametrize("name", ["billing:invoice", "billing:receipt", "billing:receipt_pdf"])
def test_another_members_invoice_pages_are_404(member_client, name):
    other = MemberFactory()
    invoice = issue_invoice(other)
    pay_invoice(invoice)
    assert member_client.get(reverse(name, args=[invoice.number])).status_code == 404


@pytest.mark.parametrize(
    "name", ["billing:dashboard", "billing:join", "billing:renew", "billing:waiver"]
)
def test_member_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_waiver_request_is_recorded_once(member_client, member):
    url = reverse("billing:waiver")
    member_client.post(url, {"reason": "My position was eliminated in the May budget."})
    again = member_client.get(url).content.decode()
    assert member.waiver_requests.count() == 1
    assert "You asked on" in again


@pytest.mark.parametrize("terms", [1, 20])
def test_dashboard_query_budget_does_not_grow_with_history(
    member_client, member, terms, django_assert_max_num_queries
):
    day = dt.date(2026, 7, 1)
    for _ in range(terms):
        invoice = issue_invoice(member, kind="renewal" if _ else "join", on=day)
        pay_invoice(invoice, on=day)
        day = Membership.objects.get(member=member).paid_through_on - dt.timedelta(days=10)
    # 15: one of them reads the payments imported from the previous system.
    with django_assert_max_num_queries(15):
        response = member_client.get(reverse("billing:dashboard"))
    assert response.content.decode().count("CHQ-1") == 0  # references stay on staff pages
    assert response.content.decode().count("/receipt.pdf") == terms


@pytest.mark.parametrize("others", [0, 10_000])
def test_dashboard_query_budget_does_not_grow_with_members(
    member_client, member, others, django_assert_max_num_queries
):
    import io

    from django.core.management import call_command

    if others:
        call_command(
            "seed_members", count=others, seed=11, with_memberships=True, stdout=io.StringIO()
        )
    pay_invoice(issue_invoice(member))
    # 15: one of them reads the payments imported from the previous system.
    with django_assert_max_num_queries(15):
        response = member_client.get(reverse("billing:dashboard"))
    assert 'data-testid="membership-status">Active' in response.content.decode()


def test_installment_refusal_names_the_choices_staff_set(member):
    from django.core.exceptions import ValidationError

    from membership.models import MembershipRules

    MembershipRules.objects.update(installment_counts=[2, 6])
    pay_invoice(issue_invoice(member, on=dt.date(2026, 8, 1)), on=dt.date(2026, 8, 1))
    with pytest.raises(ValidationError, match="Choose 2 or 6 installments"):
        issue_invoice(member, kind="renewal", on=dt.date(2027, 6, 1), installments=3)


def test_waiver_page_states_the_rules_staff_set(member_client):
    from membership.models import MembershipRules

    MembershipRules.objects.update(waiver_months=3, waiver_max_months=24)
    body = member_client.get(reverse("billing:waiver")).content.decode()
    assert "waived 3 months at a time, up to 24 months in all" in body
