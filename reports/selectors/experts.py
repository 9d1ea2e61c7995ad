"""The expert pool figures for international programs staff: requests by status per fiscal
year, and engagements by status. Two aggregate queries."""

from django.db.models import Count, Q

from experts.models import AssistanceRequest, Engagement
from reports.periods import Period
from reports.selectors.common import day_start


def requests_by_status(*, years: dict[str, Period]) -> dict[str, list[int]]:
    """Status → requests created in each fiscal year (in `years` order)."""
    annotations = {
        f"y{i}": Count(
            "pk",
            filter=Q(
                created_at__gte=day_start(p.first_on),
                created_at__lt=day_start(p.last_on, after=True),
            ),
        )
        for i, p in enumerate(years.values())
    }
    rows = AssistanceRequest.objects.order_by().values_list("status").annotate(**annotations)
    return {row[0]: list(row[1:]) for row in rows}


def engagements_by_status(*, years: dict[str, Period]) -> dict[str, list[int]]:
    """Status → engagements shortlisted in each fiscal year."""
    annotations = {
        f"y{i}": Count(
            "pk",
            filter=Q(
                shortlisted_at__gte=day_start(p.first_on),
                shortlisted_at__lt=day_start(p.last_on, after=True),
            ),
        )
        for i, p in enumerate(years.values())
    }
    rows = Engagement.objects.order_by().values_list("status").annotate(**annotations)
    return {row[0]: list(row[1:]) for row in rows}
