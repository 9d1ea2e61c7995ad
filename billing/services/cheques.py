"""Cheques recorded by membership staff from the staff screens."""

import datetime as dt

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.gateways import PaymentError
from billing.models import Invoice, OfflineMethod, Payment, PaymentState
from billing.services.payments import payment_record_offline
from membership.services.lifecycle import membership_lock


@transaction.atomic
def cheque_record(
    *,
    invoice: Invoice,
    amount_cents: int,
    reference: str,
    received_on: dt.date,
    recorded_by,
    method: str = OfflineMethod.CHEQUE,
    submission_key: str | None = None,
) -> Payment:
    """Record a cheque or bank transfer once. The same cheque number again on the same invoice
    is a form sent twice (a double click, a reload) and is refused, never kept as a second
    payment. A bank transfer has no such number: the same form posted twice is caught by its
    `submission_key`, and a second transfer that really arrived is kept as a credit.

    The check runs under the member's lock, so two copies of one form posted at the same
    moment are applied one after the other and the second one sees the first."""
    reference = reference.strip()
    membership_lock(member=invoice.member)
    earlier = (
        Payment.objects.filter(
            invoice=invoice,
            gateway="offline",
            state=PaymentState.CONFIRMED,
            reference__iexact=reference,
        )
        .order_by("created_at")
        .first()
    )
    if method == OfflineMethod.CHEQUE and reference and earlier is not None:
        raise PaymentError(
            _(
                "Cheque %(reference)s is already recorded on %(number)s (on %(when)s); it was not "
                "recorded again. If you hold a second cheque with the same number, add a suffix "
                "such as %(reference)s-2."
            )
            % {
                "reference": earlier.reference,
                "number": invoice.number,
                "when": date_format(earlier.received_on or earlier.created_at, "M j, Y"),
            }
        )
    return payment_record_offline(
        invoice=invoice,
        amount_cents=amount_cents,
        reference=reference,
        received_on=received_on,
        recorded_by=recorded_by,
        method=method,
        submission_key=submission_key,
    )
