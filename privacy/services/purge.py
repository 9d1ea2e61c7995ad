"""The daily part that deletes what a closed account left, once its retention has ended."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from membership.history import SOURCE_RETENTION_PURGE, history_context
from privacy.models import AccountClosure


def closure_purge(closure: AccountClosure) -> None:
    """Delete the closed member's financial records, their history rows and the account."""
    from billing.models import (
        Invoice,
        Payment,
        Refund,
        ScheduledCharge,
        StripeCustomer,
        StripeEvent,
    )
    from membership.models import Membership, MembershipTerm, WaiverRequest
    from privacy.services.closure import member_history_rows

    with transaction.atomic(), history_context(source=SOURCE_RETENTION_PURGE):
        closure = AccountClosure.objects.select_for_update().get(pk=closure.pk)
        member = closure.member
        if closure.purged_at is not None or member is None:
            return
        history = {
            model: set(rows.values_list("pgh_obj_id", flat=True))
            for model, rows in member_history_rows(member).items()
        }
        payments = Payment.objects.filter(invoice__member=member)
        StripeEvent.objects.filter(payment__in=payments).delete()
        Refund.objects.filter(payment__in=payments).delete()
        ScheduledCharge.objects.filter(member=member).delete()
        payments.delete()
        Invoice.objects.filter(member=member).delete()
        WaiverRequest.objects.filter(member=member).delete()
        MembershipTerm.objects.filter(membership__member=member).delete()
        Membership.objects.filter(member=member).delete()
        StripeCustomer.objects.filter(member=member).delete()
        # The history of what was just deleted goes too (the deletions' own snapshots included).
        for model, obj_ids in history.items():
            model.objects.filter(pgh_obj_id__in=obj_ids).delete()
        user = member.user
        closure.purged_at = timezone.now()
        closure.save(update_fields=["purged_at"])
        user.delete()  # the member row and what hangs on it go with it


def retention_purge(*, on: dt.date) -> dict:
    """The daily job's part: purge every closure whose retention ended on or before `on`."""
    due = AccountClosure.objects.filter(purged_at__isnull=True, retain_until__lte=on)
    purged = 0
    for closure in due.order_by("pk").iterator():
        closure_purge(closure)
        purged += 1
    return {"purged_closures": purged}
