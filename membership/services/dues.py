"""The dues engine: facts in, a quote out. It knows nothing of HTTP, invoices or Stripe.

`dues_quote` loads the published schedule in effect on a date and hands it to `quote_compute`,
which is pure: it reads only the `ScheduleTerms` it is given, so the staff impact preview can
quote every member against a draft without a query per member.

How a quote is built (every step is one explaining line; the lines add up to the total):

1. The rate: the category's rate for the position (a rate listing the position wins over the
   category's catch-all rate). Flat rates give their amount; salary rates give
   `percent_bp / 10,000 × salary`, rounded half up to the cent, raised to the minimum if any.
2. Discounts, in priority order (lowest number first, then oldest first). A discount applies
   when all its conditions hold; a population or budget condition needs that fact (missing means
   "not shown": no discount). Percent-off discounts multiply: each takes its percent off the
   amount left by the previous ones, rounded half up to the cent.
3. The cap: the lowest of the rate's cap and the replacement caps of every applying discount.
   A replacement cap can only lower the cap, never raise it, so a discount never costs more.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models.dues_rate import BP_PER_WHOLE
from membership.models.member import Position
from membership.money import format_cents
from membership.services.dues_terms import (
    CategoryTerms,
    DiscountTerms,
    RateTerms,
    ScheduleTerms,
    terms_from_rows,
)

__all__ = [
    "CategoryTerms",
    "DiscountTerms",
    "Quote",
    "QuoteLine",
    "QuoteRefused",
    "RateTerms",
    "ScheduleTerms",
    "amount_pricer",
    "dues_quote",
    "quote_compute",
    "quote_total_cents",
    "schedule_mark_used",
    "terms_from_rows",
]

CURRENCY = "usd"
FLAT = "flat"
SALARY_PERCENT = "salary_percent"


@dataclass(frozen=True)
class QuoteLine:
    label: str
    amount_cents: int  # signed; informational lines may be 0


@dataclass(frozen=True)
class Quote:
    total_cents: int
    currency: str
    schedule_id: int
    schedule_name: str
    schedule_effective_from: date
    category_code: str
    lines: tuple[QuoteLine, ...]


class QuoteRefused(Exception):
    """The facts cannot be quoted; `errors` maps a field to messages saying what to do."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


POSITION_CODES = frozenset(Position.values)


def percent_of(amount_cents: int, bp: int) -> int:
    """`bp` basis points of a non-negative amount, a half cent rounding up (integers only)."""
    return (amount_cents * bp * 2 + BP_PER_WHOLE) // (2 * BP_PER_WHOLE)


def format_bp(bp: int) -> str:
    """65 → `0.65%`, 2000 → `20%`."""
    return f"{Decimal(bp) / 100:f}".rstrip("0").rstrip(".") + "%" if bp % 100 else f"{bp // 100}%"


def format_threshold(cents: int) -> str:
    """Whole-dollar thresholds read better without cents: `$7,800,000`."""
    text = format_cents(cents)
    return text.removesuffix(".00")


def _position_label(code: str) -> str:
    try:
        return str(Position(code).label)
    except ValueError:
        return code


def _refusals(terms, category, position, salary_cents, population, budget_cents, staff):
    """Every reason the facts cannot be quoted, by field."""
    errors: dict[str, list[str]] = {}
    cat = terms.categories.get(category)
    if cat is None:
        names = ", ".join(c.code for c in terms.categories.values() if c.member_selectable)
        errors["category"] = [_("Unknown category. Choose one of: %(names)s.") % {"names": names}]
    elif not cat.member_selectable and not staff:
        errors["category"] = [
            _(
                "%(name)s is conferred by ICMA membership staff and cannot be chosen. "
                "Choose the category that fits your position."
            )
            % {"name": cat.name}
        ]
    if position not in POSITION_CODES:
        errors["position"] = [
            _("Unknown position. Choose one of: %(codes)s.")
            % {"codes": ", ".join(sorted(POSITION_CODES))}
        ]
    elif cat is not None and not cat.allows(position):
        errors.setdefault("position", []).append(
            _("%(name)s is for: %(allowed)s. Choose the category that fits your position.")
            % {
                "name": cat.name,
                "allowed": ", ".join(_position_label(p) for p in cat.eligible_positions),
            }
        )
    for field, value in (("salary", salary_cents), ("budget", budget_cents)):
        if value is not None and value < 0:
            errors[field] = [_("The amount cannot be negative.")]
    if population is not None and population < 0:
        errors["population"] = [_("The population cannot be negative.")]
    return errors


def quote_compute(
    *,
    terms: ScheduleTerms,
    category: str,
    position: str,
    salary_cents: int | None,
    population: int | None,
    budget_cents: int | None,
    allow_staff_only: bool = False,
) -> Quote:
    """Quote the facts against one schedule's terms. Pure: no database, no clock."""
    lines: list[QuoteLine] = []
    total = _compute(
        terms, category, position, salary_cents, population, budget_cents, allow_staff_only, lines
    )
    return Quote(
        total_cents=total,
        currency=CURRENCY,
        schedule_id=terms.id,
        schedule_name=terms.name,
        schedule_effective_from=terms.effective_from,
        category_code=category,
        lines=tuple(lines),
    )


def quote_total_cents(
    *,
    terms: ScheduleTerms,
    category: str,
    position: str,
    salary_cents: int | None,
    population: int | None,
    budget_cents: int | None,
    allow_staff_only: bool = False,
) -> int:
    """`quote_compute(...).total_cents` without writing the lines: for bulk previews."""
    return _compute(
        terms, category, position, salary_cents, population, budget_cents, allow_staff_only, None
    )


def _compute(terms, category, position, salary_cents, population, budget_cents, staff, lines):
    """The arithmetic of a quote; explaining lines are appended to `lines` unless it is None."""
    cat = terms.categories.get(category)
    if (
        cat is None
        or not (cat.member_selectable or staff)
        or position not in POSITION_CODES
        or not cat.allows(position)
        or (salary_cents is not None and salary_cents < 0)
        or (budget_cents is not None and budget_cents < 0)
        or (population is not None and population < 0)
    ):
        raise QuoteRefused(
            _refusals(terms, category, position, salary_cents, population, budget_cents, staff)
        )
    explain = lines is not None
    rate = terms.rate_for(category, position)
    if rate is None:
        raise QuoteRefused(
            {
                "category": [
                    _(
                        "The dues schedule has no rate for %(name)s and this position. "
                        "Please write to membership@icma.org."
                    )
                    % {"name": cat.name}
                ]
            }
        )
    if rate.method == SALARY_PERCENT:
        if salary_cents is None:
            raise QuoteRefused(
                {
                    "salary": [
                        _("Enter your annual salary: %(name)s dues are %(pct)s of salary.")
                        % {"name": cat.name, "pct": format_bp(rate.percent_bp)}
                    ]
                }
            )
        amount = percent_of(salary_cents, rate.percent_bp)
        if explain:
            lines.append(
                QuoteLine(
                    _("%(pct)s of %(salary)s salary")
                    % {"pct": format_bp(rate.percent_bp), "salary": format_cents(salary_cents)},
                    amount,
                )
            )
        if rate.minimum_cents is not None and amount < rate.minimum_cents:
            if explain:
                lines.append(
                    QuoteLine(
                        _("Raised to the minimum of %(min)s")
                        % {"min": format_cents(rate.minimum_cents)},
                        rate.minimum_cents - amount,
                    )
                )
            amount = rate.minimum_cents
    else:
        amount = rate.amount_cents
        if explain:
            lines.append(QuoteLine(_("%(name)s, flat rate") % {"name": cat.name}, amount))

    cap = rate.cap_cents
    for discount in terms.discounts:
        if not discount.applies(
            category=category, position=position, population=population, budget_cents=budget_cents
        ):
            continue
        if discount.percent_off_bp:
            off = amount - percent_of(amount, BP_PER_WHOLE - discount.percent_off_bp)
            if explain:
                lines.append(
                    QuoteLine(
                        f"{_discount_label(discount)}: −{format_bp(discount.percent_off_bp)}",
                        -off,
                    )
                )
            amount -= off
        if discount.replacement_cap_cents is not None:
            if explain and not discount.percent_off_bp:
                label = _discount_label(discount)
                lines.append(
                    QuoteLine(
                        _("%(label)s: cap %(cap)s")
                        % {"label": label, "cap": format_cents(discount.replacement_cap_cents)},
                        0,
                    )
                )
            if cap is None or discount.replacement_cap_cents < cap:
                cap = discount.replacement_cap_cents
    if cap is not None and amount > cap:
        if explain:
            lines.append(
                QuoteLine(_("Capped at %(cap)s") % {"cap": format_cents(cap)}, cap - amount)
            )
        amount = cap
    return amount


def amount_pricer(terms: ScheduleTerms, *, allow_staff_only: bool = False):
    """`price(category, position, salary_cents, population, budget_cents)`: the total that
    `quote_total_cents` gives for these facts under `terms`, or None where it refuses them.

    For quoting many members (the forecast): what depends on the category and position alone
    (whether they are quoted at all, the rate, the discounts that name them) is worked out once
    per pair, and each member then costs a few integer steps with the
    same rounding. tests/membership/test_dues_pricer.py checks it against `quote_total_cents`
    over many random facts."""
    plans: dict[tuple[str, str], tuple | None] = {}

    def plan(category: str, position: str):
        cat = terms.categories.get(category)
        if (
            cat is None
            or not (cat.member_selectable or allow_staff_only)
            or position not in POSITION_CODES
            or not cat.allows(position)
        ):
            return None
        rate = terms.rate_for(category, position)
        if rate is None:
            return None
        discounts = tuple(
            (d.percent_off_bp, d.replacement_cap_cents, d.max_population, d.max_budget_cents)
            for d in terms.discounts
            if (not d.categories or category in d.categories)
            and (not d.positions or position in d.positions)
        )
        return (
            rate.method == SALARY_PERCENT,
            rate.percent_bp,
            rate.amount_cents,
            rate.minimum_cents,
            rate.cap_cents,
            discounts,
        )

    def price(category, position, salary_cents, population, budget_cents) -> int | None:
        if category is None:
            return None
        key = (category, position)
        try:
            found = plans[key]
        except KeyError:
            found = plans[key] = plan(category, position)
        if (
            found is None
            or (salary_cents is not None and salary_cents < 0)
            or (budget_cents is not None and budget_cents < 0)
            or (population is not None and population < 0)
        ):
            return None
        by_salary, bp, flat, minimum, cap, discounts = found
        if by_salary:
            if salary_cents is None:
                return None
            amount = percent_of(salary_cents, bp)
            if minimum is not None and amount < minimum:
                amount = minimum
        else:
            amount = flat
        for off_bp, replacement_cap, max_population, max_budget in discounts:
            if max_population is not None and (population is None or population > max_population):
                continue
            if max_budget is not None and (budget_cents is None or budget_cents > max_budget):
                continue
            if off_bp:
                amount = percent_of(amount, BP_PER_WHOLE - off_bp)
            if replacement_cap is not None and (cap is None or replacement_cap < cap):
                cap = replacement_cap
        if cap is not None and amount > cap:
            amount = cap
        return amount

    return price


def _discount_label(discount: DiscountTerms) -> str:
    conditions = []
    if discount.max_population is not None:
        conditions.append(_("population ≤ %(n)s") % {"n": f"{discount.max_population:,}"})
    if discount.max_budget_cents is not None:
        conditions.append(
            _("budget ≤ %(amount)s") % {"amount": format_threshold(discount.max_budget_cents)}
        )
    if not conditions:
        return discount.label
    return f"{discount.label} ({_(' and ').join(conditions)})"


def dues_quote(
    *,
    category: str,
    position: str,
    salary_cents: int | None,
    population: int | None,
    budget_cents: int | None,
    on: date,
    allow_staff_only: bool = False,
) -> Quote:
    """Quote from the published schedule in effect on `on`; refused with reasons otherwise."""
    from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms

    schedule = dues_schedule_in_effect(on=on)
    if schedule is None:
        raise QuoteRefused(
            {
                "on": [
                    _(
                        "No dues schedule is in effect on %(day)s. Choose a later date or write "
                        "to membership@icma.org."
                    )
                    % {"day": on.isoformat()}
                ]
            }
        )
    return quote_compute(
        terms=dues_schedule_terms(schedule=schedule),
        category=category,
        position=position,
        salary_cents=salary_cents,
        population=population,
        budget_cents=budget_cents,
        allow_staff_only=allow_staff_only,
    )


def schedule_mark_used(*, schedule_id: int) -> None:
    """Record that an invoice quoted from this schedule; from then on it is never edited."""
    from membership.models import DuesSchedule
    from membership.services.audit import audit_record

    with transaction.atomic():
        schedule = DuesSchedule.objects.select_for_update().get(pk=schedule_id)
        if schedule.first_used_at is None:
            schedule.first_used_at = timezone.now()
            schedule.save(update_fields=["first_used_at"])
            audit_record(
                actor=None,
                action="first use",
                obj=schedule,
                changes={"first_used_at": [None, schedule.first_used_at]},
            )
