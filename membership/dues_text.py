"""Dues terms described in words, for the public rate table and the staff pages."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from membership.models import Position
from membership.money import format_cents
from membership.services.dues import SALARY_PERCENT, ScheduleTerms, format_bp, format_threshold


def positions_text(codes) -> str:
    labels = {p.value: str(p.label) for p in Position}
    order = {code: i for i, code in enumerate(labels)}
    return ", ".join(
        labels.get(code, code) for code in sorted(codes, key=lambda c: order.get(c, len(order)))
    )


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


def discount_conditions_text(discount, categories: dict) -> str:
    """`categories`: code → an object with `name` and `eligible_positions`."""
    parts = []
    if discount.categories:
        parts.append(
            ", ".join(
                categories[c].name if c in categories else c for c in sorted(discount.categories)
            )
        )
    # Positions that merely repeat who the categories admit add nothing for the reader.
    admitted = {
        p for c in discount.categories if c in categories for p in categories[c].eligible_positions
    }
    if discount.positions and set(discount.positions) != admitted:
        parts.append(positions_text(discount.positions))
    if discount.max_population is not None:
        parts.append(_("population ≤ %(n)s") % {"n": f"{discount.max_population:,}"})
    if discount.max_budget_cents is not None:
        parts.append(
            _("general fund budget ≤ %(amount)s")
            % {"amount": format_threshold(discount.max_budget_cents)}
        )
    return "; ".join(parts) if parts else _("everyone")


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
    priced = {(r.category_code, p) for r in terms.rates for p in r.positions}
    rows = []
    for rate in sorted(
        terms.rates, key=lambda r: (order.get(r.category_code, 99), not r.positions)
    ):
        category = terms.categories.get(rate.category_code)
        rows.append(
            RateRow(
                category=category.name if category else rate.category_code,
                positions=rate_positions_text(
                    positions=rate.positions,
                    category_code=rate.category_code,
                    category=category,
                    priced=priced,
                ),
                price=rate_text(rate),
            )
        )
    return rows


def rate_positions_text(*, positions, category_code, category, priced) -> str:
    """Who a rate is for; a rate without positions is for the category's other positions.

    `priced`: the (category code, position) pairs that have a rate of their own.
    """
    if category is not None and not category.member_selectable:
        return _("Conferred by ICMA staff")
    if positions:
        return positions_text(positions)
    others = [
        p
        for p in (category.eligible_positions if category else ())
        if (category_code, p) not in priced
    ]
    return positions_text(others) if others else _("Any position")
