"""Two payments for the same member at the same moment, on PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from billing.models import Payment
from billing.services.payments import payment_record_offline
from membership.models import Membership, MembershipTerm, TermStatus
from tests.conftest import service_missing
from tests.factories import MemberFactory, issue_invoice, pay_invoice


def run_at_once(*targets):
    barrier = threading.Barrier(len(targets))
    results, errors = [], []

    def runner(target):
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_renewal_cheques_posted_at_once_extend_the_term_once():
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (this test needs real row locks)")
    member = MemberFactory()
    pay_invoice(issue_invoice(member, on=dt.date(2026, 8, 1)), on=dt.date(2026, 8, 1))
    renewal = issue_invoice(member, kind="renewal", on=dt.date(2027, 6, 1))

    def post_cheque(reference):
        return lambda: payment_record_offline(
            invoice=renewal,
            amount_cents=renewal.total_cents,
            reference=reference,
            received_on=dt.date(2027, 6, 2),
            recorded_by=None,
        )

    results, errors = run_at_once(post_cheque("CHQ-A"), post_cheque("CHQ-B"))
    assert errors == []
    assert len(results) == 2
    assert Membership.objects.get(member=member).paid_through_on == dt.date(2028, 8, 1)
    active = MembershipTerm.objects.filter(membership__member=member, status=TermStatus.ACTIVE)
    assert active.count() == 2  # the join term and one renewal
    flags = sorted(Payment.objects.filter(invoice=renewal).values_list("is_overpayment", flat=True))
    assert flags == [False, True]
