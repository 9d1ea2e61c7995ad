import pytest
from django.urls import reverse

from membership.models import AuditEntry, MembershipRules

pytestmark = pytest.mark.django_db

VALID = {
    "term_months": "12",
    "renewal_window_days": "90",
    "grace_days": "45",
    "installment_notice_days": "21",
    "installment_overdue_days": "60",
    "join_invoice_expiry_days": "30",
    "waiver_months": "6",
    "waiver_max_months": "36",
    "reminder_days_text": "7, 60, 30, 14",
    "installment_counts_text": "2, 4",
    "card_notice_days": "7",
    "card_retry_days_text": "2, 5, 7",
    "fiscal_year_start_month": "7",
    "financial_retention_years": "7",
}


def test_staff_change_the_rules_and_the_change_is_audited(staff_client, membership_staff):
    response = staff_client.post(reverse("membership:staff_rules"), VALID)
    assert response.status_code == 302
    rules = MembershipRules.current()
    assert rules.grace_days == 45
    assert rules.reminder_days == [7, 14, 30, 60]
    entry = AuditEntry.objects.get(object_type="membership.membershiprules")
    assert entry.actor == membership_staff
    assert entry.changes["grace_days"] == [60, 45]


def test_bad_reminder_list_is_refused_and_nothing_changes(staff_client):
    response = staff_client.post(
        reverse("membership:staff_rules"), {**VALID, "reminder_days_text": "60, soon"}
    )
    assert "Write whole numbers separated by commas" in response.content.decode()
    assert MembershipRules.current().grace_days == 60


def test_members_cannot_open_the_rules(member_client):
    assert member_client.get(reverse("membership:staff_rules")).status_code == 403


def test_staff_set_the_saved_card_notice_and_retry_days(staff_client):
    staff_client.post(
        reverse("membership:staff_rules"),
        {**VALID, "card_notice_days": "10", "card_retry_days_text": "3, 1"},
    )
    rules = MembershipRules.current()
    assert (rules.card_notice_days, rules.card_retry_days) == (10, [1, 3])


def test_staff_set_the_month_the_fiscal_year_starts(staff_client):
    assert MembershipRules.current().fiscal_year_start_month == 7
    staff_client.post(reverse("membership:staff_rules"), {**VALID, "fiscal_year_start_month": "1"})
    assert MembershipRules.current().fiscal_year_start_month == 1


def test_fiscal_year_start_month_must_be_a_month(staff_client):
    response = staff_client.post(
        reverse("membership:staff_rules"), {**VALID, "fiscal_year_start_month": "13"}
    )
    assert response.status_code == 200
    assert MembershipRules.current().fiscal_year_start_month == 7


def test_staff_set_how_long_a_closed_account_keeps_its_financial_records(staff_client):
    assert MembershipRules.current().financial_retention_years == 7
    url = reverse("membership:staff_rules")
    staff_client.post(url, {**VALID, "financial_retention_years": "10"})
    assert MembershipRules.current().financial_retention_years == 10
    refused = staff_client.post(
        reverse("membership:staff_rules"), {**VALID, "financial_retention_years": "0"}
    )
    assert refused.status_code == 200
    assert MembershipRules.current().financial_retention_years == 10
