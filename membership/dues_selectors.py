"""Read-only queries about dues schedules (the engine's inputs and the staff lists)."""

from datetime import date

from django.db.models import Q

from membership.models import DuesDiscount, DuesRate, DuesSchedule, MembershipCategory
from membership.services.dues import ScheduleTerms, terms_from_rows


def dues_schedule_in_effect(*, on: date) -> DuesSchedule | None:
    """The published schedule in effect on `on`: the latest start on or before it, not ended."""
    return (
        DuesSchedule.objects.filter(status=DuesSchedule.Status.PUBLISHED, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("-effective_from")
        .first()
    )


def dues_schedule_terms(*, schedule: DuesSchedule) -> ScheduleTerms:
    """Everything the engine needs about one schedule, in three queries."""
    return terms_from_rows(
        schedule=schedule,
        categories=MembershipCategory.objects.all(),
        rates=DuesRate.objects.filter(schedule=schedule).select_related("category"),
        discounts=DuesDiscount.objects.filter(schedule=schedule),
    )


def dues_schedules():
    return DuesSchedule.objects.select_related("created_by", "published_by")


def dues_rates_of(*, schedule: DuesSchedule):
    return DuesRate.objects.filter(schedule=schedule).select_related("category")


def dues_discounts_of(*, schedule: DuesSchedule):
    return DuesDiscount.objects.filter(schedule=schedule)
