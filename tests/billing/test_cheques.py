"""`cheque_record`: a cheque recorded from the staff screens is applied once."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from billing.gateways import PaymentError
from billing.models import Payment
from billing.services.cheques import cheque_record
from membership.models import Membership
from tests.conftest import service_missing
from tests.factories import MemberFactory, issue_invoice

TODAY = dt.date(2026, 11, 27)


def record(invoice, reference="004512", amount_cents=None):
    return cheque_record(
        invoice=invoice,
        amount_cents=invoice.total_cents if amount_cents is None else amount_cents,
        reference=reference,
        received_on=TODAY,
        recorded_by=None,
    )


@pytest.mark.django_db
def test_same_cheque_number_twice_on_an_invoice_is_refused():
    invoice = issue_invoice(MemberFactory())
    record(invoice)
    with pytest.raises(PaymentError, match="Cheque 004512 is already recorded on INV-"):
        record(invoice)
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_the_cheque_number_match_ignores_case_and_spaces():
    invoice = issue_invoice(MemberFactory())
    record(invoice, reference="abc-77")
    with pytest.raises(PaymentError, match="add a suffix"):
        record(invoice, reference="  ABC-77 ")


@pytest.mark.django_db
def test_another_cheque_for_a_paid_invoice_is_kept_as_an_overpayment():
    invoice = issue_invoice(MemberFactory())
    record(invoice, reference="1001")
    second = record(invoice, reference="1002")
    assert second.is_overpayment


@pytest.mark.django_db
def test_the_same_number_on_another_members_invoice_is_accepted():
    first = issue_invoice(MemberFactory())
    other = issue_invoice(MemberFactory())
    record(first)
    assert record(other).amount_cents == other.total_cents


@pytest.mark.django_db
def test_a_refused_amount_is_still_refused_with_the_payment_message():
    invoice = issue_invoice(MemberFactory())
    with pytest.raises(PaymentError, match="more than \\$0.00"):
        record(invoice, amount_cents=0)


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_one_form_posted_at_once_record_one_payment():
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (this test needs real row locks)")
    member = MemberFactory()
    invoice = issue_invoice(member, on=TODAY)
    barrier = threading.Barrier(2)
    outcomes = []

    def post():
        try:
            barrier.wait(timeout=10)
            outcomes.append(record(invoice))
        except PaymentError as refused:
            outcomes.append(refused)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ for o in outcomes) == ["Payment", "PaymentError"]
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert Membership.objects.get(member=member).paid_through_on is not None
