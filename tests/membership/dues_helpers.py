"""Helpers for the staff dues tests: a schedule's edit form as a browser would post it."""

from decimal import Decimal

from django.utils import timezone

from membership.dues_selectors import dues_discounts_of, dues_rates_of, dues_schedule_in_effect
from membership.money import cents_to_dollars
from membership.services.dues_schedules import schedule_clone


def current_schedule():
    return dues_schedule_in_effect(on=timezone.localdate())


def draft_from_current(*, actor=None):
    return schedule_clone(schedule_id=current_schedule().pk, actor=actor)


def _dollars(cents):
    return "" if cents is None else str(cents_to_dollars(cents))


def _percent(bp):
    return "" if not bp else str(Decimal(bp) / 100)


def edit_form_data(schedule, *, name=None, rates=None, discounts=None, extra_rate=None):
    """`rates`/`discounts`: {index: {field: value}} overrides on the posted rows."""
    data = {"name": name or schedule.name}
    rate_rows = list(dues_rates_of(schedule=schedule))
    posted_rates = []
    for rate in rate_rows:
        posted_rates.append(
            {
                "id": str(rate.pk),
                "category": str(rate.category_id),
                "positions": list(rate.positions),
                "method": rate.method,
                "amount": _dollars(rate.amount_cents) if rate.method == "flat" else "",
                "percent": _percent(rate.percent_bp),
                "minimum": _dollars(rate.minimum_cents),
                "cap": _dollars(rate.cap_cents),
            }
        )
    for index, changes in (rates or {}).items():
        posted_rates[index].update(changes)
    if extra_rate:
        posted_rates.append(extra_rate)
    posted_discounts = [
        {
            "id": str(d.pk),
            "label": d.label,
            "max_population": "" if d.max_population is None else str(d.max_population),
            "max_budget": _dollars(d.max_budget_cents),
            "categories": list(d.categories),
            "positions": list(d.positions),
            "percent_off": _percent(d.percent_off_bp),
            "replacement_cap": _dollars(d.replacement_cap_cents),
            "priority": str(d.priority),
        }
        for d in dues_discounts_of(schedule=schedule)
    ]
    for index, changes in (discounts or {}).items():
        posted_discounts[index].update(changes)
    for prefix, rows in (("rates", posted_rates), ("discounts", posted_discounts)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(
            len(rate_rows) if prefix == "rates" else len(posted_discounts)
        )
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            for field, value in row.items():
                data[f"{prefix}-{i}-{field}"] = value
    return data


def rate_index(schedule, category_code: str, positions=None) -> int:
    for i, rate in enumerate(dues_rates_of(schedule=schedule)):
        if rate.category.code == category_code and (
            positions is None or rate.positions == positions
        ):
            return i
    raise LookupError(category_code)
