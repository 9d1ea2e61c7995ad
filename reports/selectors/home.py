"""The counts on the staff home: one aggregate query per kind of work, whatever the data."""

import datetime as dt

from django.db.models import Count, Q

from billing.models import EventState, Invoice, InvoiceStatus, StripeEvent
from experts.models import AssistanceRequest, Engagement
from experts.selectors import ACTIVE_REQUEST_STATUSES
from membership.models import Membership, WaiverRequest, WaiverStatus
from reports.selectors.revenue import AGE_BUCKETS

RENEWAL_WINDOWS = (30, 60, 90)


def membership_work(*, today: dt.date, grace_days: int) -> dict:
    """Waiver requests to decide, open invoices by age, members in grace, renewals due."""
    ages = {}
    for i, (low, high) in enumerate(AGE_BUCKETS):
        age = Q(issued_on__lte=today - dt.timedelta(days=low))
        if high is not None:
            age &= Q(issued_on__gte=today - dt.timedelta(days=high))
        ages[f"age{i}"] = Count("pk", filter=age)
    invoices = Invoice.objects.filter(status=InvoiceStatus.OPEN).aggregate(**ages)
    windows = {
        f"due{days}": Count(
            "pk",
            filter=Q(paid_through_on__gt=today, paid_through_on__lte=today + dt.timedelta(days)),
        )
        for days in RENEWAL_WINDOWS
    }
    memberships = Membership.objects.aggregate(
        grace=Count(
            "pk",
            filter=Q(
                paid_through_on__lte=today,
                paid_through_on__gt=today - dt.timedelta(days=grace_days),
            ),
        ),
        **windows,
    )
    return {
        "waivers": WaiverRequest.objects.filter(status=WaiverStatus.REQUESTED).count(),
        "invoices_by_age": [invoices[f"age{i}"] for i in range(len(AGE_BUCKETS))],
        "in_grace": memberships["grace"],
        "renewals_due": [(days, memberships[f"due{days}"]) for days in RENEWAL_WINDOWS],
        "flagged_events": StripeEvent.objects.filter(
            state__in=[EventState.FLAGGED, EventState.FAILED], resolved_at__isnull=True
        ).count(),
    }


def expert_work() -> dict:
    """Assistance requests in play without anyone shortlisted; invitations not answered."""
    return {
        "requests_without_shortlist": AssistanceRequest.objects.filter(
            status__in=ACTIVE_REQUEST_STATUSES, engagements__isnull=True
        ).count(),
        "invitations_unanswered": Engagement.objects.filter(
            status=Engagement.Status.INVITED
        ).count(),
    }


def renewals_due(*, today: dt.date, days: int):
    """Memberships that run out in the next `days` days, soonest first."""
    return (
        Membership.objects.filter(
            paid_through_on__gt=today, paid_through_on__lte=today + dt.timedelta(days=days)
        )
        .select_related("member__user", "category")
        .order_by("paid_through_on", "pk")
    )
