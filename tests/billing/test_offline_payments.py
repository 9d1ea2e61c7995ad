"""Offline money as it arrives (billing/services/payments.py and credits.py): bank transfers,
partial payments, overpayments kept as credits, purchase orders as promises, credit notes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from billing.documents import payments_received
from billing.gateways import PaymentError
from billing.models import Credit, CreditNote, InvoiceStatus, Payment
from billing.services.credits import (
    credit_apply,
    credit_note_issue,
    credit_refund_record,
    purchase_order_record,
)
from billing.services.payments import payment_record_offline
from membership.models import Membership, TermStatus
from tests.factories import MemberFactory, activate_membership, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def record(invoice, amount_cents, *, method="bank_transfer", reference="ACH-17", **kwargs):
    return payment_record_offline(
        invoice=invoice,
        amount_cents=amount_cents,
        reference=reference,
        received_on=TODAY,
        recorded_by=None,
        method=method,
        **kwargs,
    )


def test_a_bank_transfer_reads_as_one_on_the_receipt():
    invoice = issue_invoice(MemberFactory())
    record(invoice, invoice.total_cents, reference="FED-2231")
    invoice.refresh_from_db()
    assert [line.method for line in payments_received(invoice)] == ["Bank transfer ref FED-2231"]
    assert invoice.status == InvoiceStatus.PAID


def test_the_term_activates_when_the_last_part_of_the_balance_arrives():
    invoice = issue_invoice(MemberFactory())
    record(invoice, 400_00)
    invoice.refresh_from_db()
    assert invoice.term.status == TermStatus.PENDING
    record(invoice, invoice.balance_cents, reference="ACH-18")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.term.status == TermStatus.ACTIVE


def test_an_installment_invoice_still_starts_its_term_with_the_first_installment():
    member = MemberFactory()
    activate_membership(member, end_on=TODAY + dt.timedelta(days=20))
    invoice = issue_invoice(member, kind="renewal", installments=2)
    pay_invoice(invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.term.status == TermStatus.ACTIVE


def test_an_installment_must_still_be_paid_to_the_cent():
    member = MemberFactory()
    activate_membership(member, end_on=TODAY + dt.timedelta(days=20))
    invoice = issue_invoice(member, kind="renewal", installments=2)
    with pytest.raises(PaymentError, match="Installments are recorded to the cent"):
        record(invoice, 1_00)


def test_more_than_the_balance_pays_it_and_keeps_the_rest_as_the_members_credit():
    member = MemberFactory()
    invoice = issue_invoice(member)
    record(invoice, invoice.total_cents + 50_00)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_cents == invoice.total_cents
    credit = Credit.objects.get(member=member)
    assert credit.amount_cents == 50_00
    assert credit.source_payment.is_overpayment


def test_a_second_identical_transfer_for_a_paid_invoice_is_a_credit_not_an_extension():
    member = MemberFactory()
    invoice = issue_invoice(member)
    record(invoice, invoice.total_cents)
    paid_through = Membership.objects.get(member=member).paid_through_on
    record(invoice, invoice.total_cents)
    assert Membership.objects.get(member=member).paid_through_on == paid_through
    assert Credit.objects.get(member=member).amount_cents == invoice.total_cents


def test_the_same_transfer_form_posted_twice_is_recorded_once():
    invoice = issue_invoice(MemberFactory())
    first = record(invoice, 100_00, submission_key="k1")
    second = record(invoice, 100_00, submission_key="k1")
    assert first.pk == second.pk
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_credit_applied_to_the_next_invoice_pays_it_and_is_used_up():
    member = MemberFactory()
    first = issue_invoice(member)
    record(first, first.total_cents * 2)
    credit = Credit.objects.get(member=member)
    renewal = issue_invoice(member, kind="renewal")
    payment = credit_apply(credit=credit, invoice=renewal, by=None)
    renewal.refresh_from_db()
    credit.refresh_from_db()
    assert payment.gateway == "credit"
    assert renewal.status == InvoiceStatus.PAID
    assert credit.remaining_cents == first.total_cents - renewal.total_cents
    assert [line.method for line in payments_received(renewal)] == ["Credit applied"]


def test_a_credit_cannot_pay_another_members_invoice():
    member = MemberFactory()
    invoice = issue_invoice(member)
    record(invoice, invoice.total_cents + 10_00)
    other = issue_invoice(MemberFactory())
    with pytest.raises(ValidationError, match="not for a member this credit belongs to"):
        credit_apply(credit=Credit.objects.get(), invoice=other, by=None)


def test_refunding_a_credit_needs_a_reason_and_leaves_nothing_to_apply():
    member = MemberFactory()
    invoice = issue_invoice(member)
    record(invoice, invoice.total_cents + 10_00)
    credit = Credit.objects.get()
    with pytest.raises(ValidationError):
        credit_refund_record(credit=credit, method="cheque", reference="", reason=" ", by=None)
    credit_refund_record(
        credit=credit, method="cheque", reference="R-9", reason="Sent twice by the city", by=None
    )
    credit.refresh_from_db()
    assert credit.remaining_cents == 0 and credit.refunded_cents == 10_00
    assert credit.refund_reason == "Sent twice by the city"
    with pytest.raises(ValidationError, match="Nothing is left"):
        credit_refund_record(credit=credit, method="cheque", reference="", reason="x", by=None)


def test_a_purchase_order_is_a_promise_and_leaves_the_invoice_open():
    invoice = issue_invoice(MemberFactory())
    purchase_order_record(document=invoice, number="4471", received_on=TODAY)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.balance_cents == invoice.total_cents
    assert invoice.purchase_order_number == "4471"
    assert invoice.purchase_order_received_on == TODAY
    assert not Payment.objects.exists()


def test_a_credit_note_reduces_the_balance_with_its_own_number_and_keeps_the_total():
    invoice = issue_invoice(MemberFactory())
    total = invoice.total_cents
    note = credit_note_issue(
        invoice=invoice, amount_cents=100_00, reason="Salary corrected", by=None
    )
    invoice.refresh_from_db()
    assert note.number == f"CN-{TODAY.year}-000001"
    assert invoice.total_cents == total
    assert invoice.balance_cents == total - 100_00
    second = issue_invoice(MemberFactory())
    assert credit_note_issue(invoice=second, amount_cents=1_00, reason="x", by=None).number == (
        f"CN-{TODAY.year}-000002"
    )


def test_a_credit_note_down_to_what_was_paid_settles_the_invoice_and_starts_the_term():
    invoice = issue_invoice(MemberFactory())
    record(invoice, invoice.total_cents - 75_00)
    credit_note_issue(invoice=invoice, amount_cents=75_00, reason="Agreed discount", by=None)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.term.status == TermStatus.ACTIVE


def test_a_credit_note_for_the_whole_unpaid_invoice_is_refused():
    invoice = issue_invoice(MemberFactory())
    with pytest.raises(ValidationError):
        credit_note_issue(invoice=invoice, amount_cents=invoice.total_cents, reason="x", by=None)
    assert not CreditNote.objects.exists()
