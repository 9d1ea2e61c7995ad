"""A term's whole life, walked through time."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from billing.models import InvoiceStatus
from membership.dates import add_months
from membership.models import Membership, Status, TermKind, TermStatus, status_from_dates
from membership.selectors import membership_status_on
from membership.services.daily import membership_daily
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db


def status(member, on):
    return membership_status_on(membership=Membership.objects.get(member=member), on=on)


def test_add_months_clamps_leap_day():
    assert add_months(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 27), 12) == dt.date(2027, 11, 27)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (dt.date(2027, 6, 30), Status.ACTIVE),
        (dt.date(2027, 7, 1), Status.GRACE),
        (dt.date(2027, 8, 29), Status.GRACE),
        (dt.date(2027, 8, 30), Status.LAPSED),
    ],
)
def test_status_is_computed_from_dates(on, expected):
    assert status_from_dates(paid_through_on=dt.date(2027, 7, 1), on=on, grace_days=60) == expected


def test_unpaid_join_is_pending():
    member = MemberFactory()
    with time_machine.travel(dt.date(2026, 9, 1)):
        issue_invoice(member)
        membership = Membership.objects.get(member=member)
    assert membership.status == Status.PENDING


def test_leap_day_term_ends_on_last_day_of_february():
    member = MemberFactory()
    with time_machine.travel(dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC)):
        invoice = issue_invoice(member, on=dt.date(2028, 2, 29))
        pay_invoice(invoice, on=dt.date(2028, 2, 29))
    term = invoice.term
    term.refresh_from_db()
    assert (term.start_on, term.end_on) == (dt.date(2028, 2, 29), dt.date(2029, 2, 28))
    assert status(member, dt.date(2029, 2, 27)) == Status.ACTIVE
    assert status(member, dt.date(2029, 2, 28)) == Status.GRACE


def test_walk_through_every_status_with_grace_renewal_lapse_and_reinstatement():
    member = MemberFactory()
    with time_machine.travel(dt.datetime(2026, 9, 1, 15, tzinfo=dt.UTC)):
        join = issue_invoice(member)
        assert status(member, dt.date(2026, 9, 1)) == Status.PENDING
        pay_invoice(join, on=dt.date(2026, 9, 1))
    membership = Membership.objects.get(member=member)
    assert membership.paid_through_on == dt.date(2027, 9, 1)
    assert membership.status == Status.ACTIVE

    # The stored status follows the daily job; the computed one never waits for it.
    with time_machine.travel(dt.datetime(2027, 9, 10, 15, tzinfo=dt.UTC)):
        assert status(member, dt.date(2027, 9, 10)) == Status.GRACE
        membership_daily(on=dt.date(2027, 9, 10))
        assert Membership.objects.get(member=member).status == Status.GRACE
        # Renewing in grace extends from the old end date: no gap.
        renewal = issue_invoice(member, kind="renewal", on=dt.date(2027, 9, 10))
        pay_invoice(renewal, on=dt.date(2027, 9, 10))
    renewal.term.refresh_from_db()
    assert renewal.term.start_on == dt.date(2027, 9, 1)
    assert renewal.term.end_on == dt.date(2028, 9, 1)
    assert Membership.objects.get(member=member).status == Status.ACTIVE

    with time_machine.travel(dt.datetime(2028, 11, 15, 15, tzinfo=dt.UTC)):
        membership_daily(on=dt.date(2028, 11, 15))
        assert Membership.objects.get(member=member).status == Status.LAPSED
        # After lapse a payment starts a new term on the payment date.
        back = issue_invoice(member, kind="renewal", on=dt.date(2028, 11, 15))
        pay_invoice(back, on=dt.date(2028, 11, 15))
    back.term.refresh_from_db()
    assert back.term.kind == TermKind.REINSTATEMENT
    assert (back.term.start_on, back.term.end_on) == (dt.date(2028, 11, 15), dt.date(2029, 11, 15))
    assert Membership.objects.get(member=member).status == Status.ACTIVE


def test_early_renewal_extends_from_old_end_date():
    member = MemberFactory()
    invoice = issue_invoice(member, on=dt.date(2026, 8, 10))
    pay_invoice(invoice, on=dt.date(2026, 8, 10))
    renewal = issue_invoice(member, kind="renewal", on=dt.date(2027, 6, 1))
    pay_invoice(renewal, on=dt.date(2027, 6, 1))
    renewal.term.refresh_from_db()
    assert (renewal.term.start_on, renewal.term.end_on) == (
        dt.date(2027, 8, 10),
        dt.date(2028, 8, 10),
    )


def test_second_cheque_for_a_paid_invoice_is_an_overpayment_not_an_extension():
    member = MemberFactory()
    invoice = issue_invoice(member, on=dt.date(2026, 8, 1))
    pay_invoice(invoice, on=dt.date(2026, 8, 1))
    again = pay_invoice(invoice, on=dt.date(2026, 8, 2), amount_cents=invoice.total_cents)
    assert again.is_overpayment
    assert Membership.objects.get(member=member).paid_through_on == dt.date(2027, 8, 1)
    assert (
        invoice.term.__class__.objects.filter(
            membership__member=member, status=TermStatus.ACTIVE
        ).count()
        == 1
    )


def test_a_smaller_payment_is_partial_and_starts_no_term():
    member = MemberFactory()
    invoice = issue_invoice(member)
    pay_invoice(invoice, amount_cents=900_00)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.paid_cents == 900_00
    assert invoice.balance_cents == 75_00
    assert invoice.term.status == TermStatus.PENDING


def test_receipt_is_emailed_with_pdf(django_capture_on_commit_callbacks):
    member = MemberFactory()
    invoice = issue_invoice(member)
    with django_capture_on_commit_callbacks(execute=True):
        pay_invoice(invoice)
    receipt = next(m for m in mail.outbox if "Receipt for ICMA invoice" in m.subject)
    name, content, mimetype = receipt.attachments[0]
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert name == f"receipt-{invoice.number}.pdf"
