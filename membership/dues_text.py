"""Dues terms described in words, for the public rate table and the staff pages."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from membership.models import Position
from membership.money import format_cents
from membership.services.dues import SALARY_PERCENT, ScheduleTerms, format_bp, format_threshold


def positions_text(codes) -> str:
    labels = {p.value: str(p.label) for p in Position}
    return ", ".join(labels.get(code, code) for code in sorted(codes, key=list(labels).index))


def rate_text(rate) -> str:
    if rate.method == SALARY_PERCENT:
        parts = [_("%(pct)s of salary") % {"pct": format_bp(rate.percent_bp)}]
        if rate.minimum_cents is not None:
            parts.append(_("at least %(amount)s") % {"amount": format_cents(rate.minimum_cents)})
        if rate.cap_cents is not None:
            parts.append(_("at most %(amount)s") % {"amount": format_cents(rate.cap_cents)})
        return ", ".join(parts)
    if rate.amount_cents == 0:
        return _("Free")
    return _("%(amount)s a year") % {"amount": format_cents(rate.amount_cents)}


def discount_conditions_text(discount, category_names: dict[str, str]) -> str:
    parts = []
    if discount.categories:
        parts.append(", ".join(category_names.get(c, c) for c in sorted(discount.categories)))
    if discount.positions:
        parts.append(positions_text(discount.positions))
    if discount.max_population is not None:
        parts.append(_("population ≤ %(n)s") % {"n": f"{discount.max_population:,}"})
    if discount.max_budget_cents is not None:
        parts.append(
            _("general fund budget ≤ %(amount)s")
            % {"amount": format_threshold(discount.max_budget_cents)}
        )
    return _(" and ").join(parts) if parts else _("everyone")


def discount_effect_text(discount) -> str:
    parts = []
    if discount.percent_off_bp:
        parts.append(_("%(pct)s off") % {"pct": format_bp(discount.percent_off_bp)})
    if discount.replacement_cap_cents is not None:
        parts.append(
            _("cap lowered to %(amount)s")
            % {"amount": format_cents(discount.replacement_cap_cents)}
        )
    return ", ".join(parts)


@dataclass(frozen=True)
class RateRow:
    category: str
    positions: str
    price: str


def rate_rows(terms: ScheduleTerms) -> list[RateRow]:
    """One row per rate, categories in their order, a position-specific rate before the rest."""
    order = {code: i for i, code in enumerate(terms.categories)}
    rows = []
    for rate in sorted(
        terms.rates, key=lambda r: (order.get(r.category_code, 99), not r.positions)
    ):
        category = terms.categories.get(rate.category_code)
        rows.append(
            RateRow(
                category=category.name if category else rate.category_code,
                positions=positions_text(rate.positions) if rate.positions else _("Any"),
                price=rate_text(rate),
            )
        )
    return rows
