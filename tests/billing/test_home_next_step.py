"""The signed-in home page says where the membership stands, what is owed and what to do."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from billing.models import Invoice
from membership.models import Membership, MembershipRules
from tests.factories import issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db


def home(member_client) -> dict:
    body = member_client.get("/").content.decode()
    found = {}
    for name in ("home-status", "home-owed", "home-action"):
        match = re.search(rf'data-testid="{name}">([^<]*)<', body)
        found[name] = match.group(1).strip() if match else None
    found["href"] = re.search(r'href="([^"]*)" data-testid="home-action"', body)
    found["href"] = found["href"].group(1) if found["href"] else None
    return found


def test_a_new_account_is_told_to_join(member_client):
    shown = home(member_client)
    assert shown["home-status"] == "Not a member"
    assert shown["home-action"] == "Join ICMA"
    assert shown["href"] == "/membership/join/"


def test_an_open_invoice_is_the_next_step(member_client, member):
    invoice = issue_invoice(member)
    shown = home(member_client)
    assert shown["home-action"] == f"Pay invoice {invoice.number}"
    assert shown["home-owed"] == f"${invoice.total_cents // 100:,}.00"
    assert shown["href"] == f"/billing/invoices/{invoice.number}/"


def test_an_active_member_outside_the_window_is_told_when_renewal_opens(member_client, member):
    pay_invoice(issue_invoice(member))
    window = MembershipRules.current().renewal_window_days
    opens = Membership.objects.get(member=member).paid_through_on - dt.timedelta(days=window)
    shown = home(member_client)
    assert shown["home-status"] == "Active"
    assert shown["home-owed"] == "$0.00"
    assert shown["home-action"] == f"Nothing to do. Renew from {opens.strftime('%B %-d, %Y')}"


def test_grace_and_lapsed_say_until_when_and_rejoin(member_client, member):
    pay_invoice(issue_invoice(member))
    today = timezone.localdate()
    Membership.objects.filter(member=member).update(paid_through_on=today - dt.timedelta(days=3))
    shown = home(member_client)
    assert shown["home-action"].startswith("In grace until")
    assert shown["href"] == "/membership/renew/"
    Membership.objects.filter(member=member).update(paid_through_on=today - dt.timedelta(days=400))
    shown = home(member_client)
    assert shown["home-status"] == "Lapsed"
    assert "rejoin" in shown["home-action"]


def test_a_term_in_installments_reads_one_of_three_paid(member_client, member):
    first = issue_invoice(member, on=dt.date(2026, 7, 15))
    pay_invoice(first, on=dt.date(2026, 7, 15))
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    renewal = issue_invoice(member, kind="renewal", installments=3)
    pay_invoice(renewal)
    renewal = Invoice.objects.get(pk=renewal.pk)
    shown = home(member_client)
    assert shown["home-status"] == "Active, 1 of 3 paid"
    assert shown["home-action"].startswith(f"Pay installment 2 of invoice {renewal.number}")


@pytest.mark.parametrize("invoices", [1, 12])
def test_the_home_page_reads_the_same_few_rows_however_long_the_history(
    member_client, member, invoices, django_assert_max_num_queries
):
    """The standing needs the membership and the open invoice, not every past invoice, term
    and payment: an expert with an installment plan and messages stays within ten queries."""
    from tests.experts.factories import make_expert

    for n in range(invoices):
        paid = issue_invoice(member, kind="renewal" if n else "join", on=dt.date(2026, 7, 15))
        pay_invoice(paid, on=dt.date(2026, 7, 15))
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    make_expert(member=member)
    pay_invoice(issue_invoice(member, kind="renewal", installments=3))
    with django_assert_max_num_queries(10):
        shown = home(member_client)
    assert shown["home-status"] == "Active, 1 of 3 paid"
