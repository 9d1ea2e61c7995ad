"""The dues engine's inputs as plain, immutable objects: one schedule's categories, rates and
discounts, loaded once and quoted many times without touching the database."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CategoryTerms:
    code: str
    name: str
    eligible_positions: tuple[str, ...]
    member_selectable: bool

    def allows(self, position: str) -> bool:
        return not self.eligible_positions or position in self.eligible_positions


@dataclass(frozen=True)
class RateTerms:
    category_code: str
    positions: frozenset[str]
    method: str
    amount_cents: int = 0
    percent_bp: int = 0
    minimum_cents: int | None = None
    cap_cents: int | None = None


@dataclass(frozen=True)
class DiscountTerms:
    label: str
    percent_off_bp: int = 0
    replacement_cap_cents: int | None = None
    max_population: int | None = None
    max_budget_cents: int | None = None
    categories: frozenset[str] = frozenset()
    positions: frozenset[str] = frozenset()
    priority: int = 100
    order: int = 0  # tie-breaker within a priority (the row id)

    def applies(self, *, category: str, position: str, population, budget_cents) -> bool:
        if self.categories and category not in self.categories:
            return False
        if self.positions and position not in self.positions:
            return False
        if self.max_population is not None and (
            population is None or population > self.max_population
        ):
            return False
        return self.max_budget_cents is None or (
            budget_cents is not None and budget_cents <= self.max_budget_cents
        )


@dataclass(frozen=True)
class ScheduleTerms:
    id: int
    name: str
    effective_from: date
    categories: Mapping[str, CategoryTerms]
    rates: tuple[RateTerms, ...]
    discounts: tuple[DiscountTerms, ...]

    def __post_init__(self):
        ordered = tuple(sorted(self.discounts, key=lambda d: (d.priority, d.order)))
        object.__setattr__(self, "discounts", ordered)
        specific, fallback = {}, {}
        for rate in self.rates:
            if rate.positions:
                for position in rate.positions:
                    specific.setdefault((rate.category_code, position), rate)
            else:
                fallback.setdefault(rate.category_code, rate)
        object.__setattr__(self, "_specific", specific)
        object.__setattr__(self, "_fallback", fallback)

    def rate_for(self, category: str, position: str) -> RateTerms | None:
        return self._specific.get((category, position)) or self._fallback.get(category)


def terms_from_rows(*, schedule, categories: Iterable, rates: Iterable, discounts: Iterable):
    """Plain `ScheduleTerms` from model rows (rates need their category loaded)."""
    return ScheduleTerms(
        id=schedule.pk,
        name=schedule.name,
        effective_from=schedule.effective_from,
        categories={
            c.code: CategoryTerms(
                code=c.code,
                name=c.name,
                eligible_positions=tuple(c.eligible_positions or ()),
                member_selectable=c.member_selectable,
            )
            for c in categories
        },
        rates=tuple(
            RateTerms(
                category_code=r.category.code,
                positions=frozenset(r.positions or ()),
                method=r.method,
                amount_cents=r.amount_cents,
                percent_bp=r.percent_bp,
                minimum_cents=r.minimum_cents,
                cap_cents=r.cap_cents,
            )
            for r in rates
        ),
        discounts=tuple(
            DiscountTerms(
                label=d.label,
                percent_off_bp=d.percent_off_bp,
                replacement_cap_cents=d.replacement_cap_cents,
                max_population=d.max_population,
                max_budget_cents=d.max_budget_cents,
                categories=frozenset(d.categories or ()),
                positions=frozenset(d.positions or ()),
                priority=d.priority,
                order=d.pk or 0,
            )
            for d in discounts
        ),
    )
