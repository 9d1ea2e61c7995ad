"""The impact preview: what a draft schedule would change for every member.

`impact_compute` is pure (two schedules' terms and a stream of member facts in, a summary
out), so it is measured on its own in `bench/dues_preview.py`; `dues_impact_preview` feeds it
from the database in a constant number of queries.
"""

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from membership.services.dues import QuoteRefused, ScheduleTerms, quote_total_cents

LARGEST_CHANGES = 10


@dataclass(frozen=True)
class MemberChange:
    member_id: int
    before_cents: int
    after_cents: int

    @property
    def change_cents(self) -> int:
        return self.after_cents - self.before_cents


@dataclass
class ImpactPreview:
    before_name: str
    after_name: str
    members_more: int = 0
    members_less: int = 0
    members_same: int = 0
    members_not_quoted: int = 0
    total_before_cents: int = 0
    total_after_cents: int = 0
    largest_changes: list[MemberChange] = field(default_factory=list)
    # Members per change in whole dollars (rounded down), for changed members only.
    changes_by_dollar: Counter = field(default_factory=Counter)
    smallest_change_cents: int | None = None
    largest_change_cents: int | None = None
    quotes: int = 0

    @property
    def members_quoted(self) -> int:
        return self.members_more + self.members_less + self.members_same

    @property
    def total_change_cents(self) -> int:
        return self.total_after_cents - self.total_before_cents


def quote_total_or_none(terms, category, position, salary, population, budget) -> int | None:
    """The total under `terms`, or None where the schedule cannot quote these facts."""
    try:
        return quote_total_cents(
            terms=terms,
            category=category,
            position=position,
            salary_cents=salary,
            population=population,
            budget_cents=budget,
        )
    except QuoteRefused:
        return None


def impact_compute(
    *,
    before: ScheduleTerms,
    after: ScheduleTerms,
    members: Iterable[tuple],
    on_change: Callable[[MemberChange, tuple], None] | None = None,
) -> ImpactPreview:
    """Quote every member under both schedules. A member either schedule cannot quote (no
    category for their position, a salary rate without a salary) is counted, not compared.
    `on_change` is called with each changed member and their facts (the dues-change notices)."""
    preview = ImpactPreview(before_name=before.name, after_name=after.name)
    largest: list[tuple[int, int, MemberChange]] = []
    for member_id, category, position, salary, population, budget in members:
        if category is None:
            preview.members_not_quoted += 1
            continue
        old = quote_total_or_none(before, category, position, salary, population, budget)
        new = quote_total_or_none(after, category, position, salary, population, budget)
        preview.quotes += 2
        if old is None or new is None:
            preview.members_not_quoted += 1
            continue
        preview.total_before_cents += old
        preview.total_after_cents += new
        change = new - old
        if change == 0:
            preview.members_same += 1
            continue
        if change > 0:
            preview.members_more += 1
        else:
            preview.members_less += 1
        preview.changes_by_dollar[change // 100] += 1
        if on_change is not None:
            on_change(
                MemberChange(member_id, old, new), (category, position, salary, population, budget)
            )
        if preview.smallest_change_cents is None or change < preview.smallest_change_cents:
            preview.smallest_change_cents = change
        if preview.largest_change_cents is None or change > preview.largest_change_cents:
            preview.largest_change_cents = change
        entry = (abs(change), -member_id, MemberChange(member_id, old, new))
        if len(largest) < LARGEST_CHANGES:
            heapq.heappush(largest, entry)
        elif entry[:2] > largest[0][:2]:
            heapq.heapreplace(largest, entry)
    preview.largest_changes = [e[2] for e in sorted(largest, key=lambda e: e[:2], reverse=True)]
    return preview


def dues_impact_preview(*, schedule, today=None, watch=None) -> ImpactPreview:
    """Compare `schedule` with the published schedule in effect today, over every member
    `members_for_dues_preview` yields. Without a schedule in effect, compares with itself.
    `watch`, when given, wraps the member stream (the background run counts members with it)."""
    from django.utils import timezone

    from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms
    from membership.selectors import members_for_dues_preview

    current = dues_schedule_in_effect(on=today or timezone.localdate()) or schedule
    members = members_for_dues_preview()
    return impact_compute(
        before=dues_schedule_terms(schedule=current),
        after=dues_schedule_terms(schedule=schedule),
        members=watch(members) if watch is not None else members,
    )


def impact_as_json(preview: ImpactPreview) -> dict:
    """The preview's figures as JSON, to keep a computed preview (membership.DuesImpactRun)."""
    return {
        "before_name": preview.before_name,
        "after_name": preview.after_name,
        "members_more": preview.members_more,
        "members_less": preview.members_less,
        "members_same": preview.members_same,
        "members_not_quoted": preview.members_not_quoted,
        "total_before_cents": preview.total_before_cents,
        "total_after_cents": preview.total_after_cents,
        "largest_changes": [
            [c.member_id, c.before_cents, c.after_cents] for c in preview.largest_changes
        ],
        "changes_by_dollar": [[k, v] for k, v in sorted(preview.changes_by_dollar.items())],
        "smallest_change_cents": preview.smallest_change_cents,
        "largest_change_cents": preview.largest_change_cents,
        "quotes": preview.quotes,
    }


def impact_from_json(data: dict) -> ImpactPreview:
    """The preview `impact_as_json` kept, with every figure as it was computed."""
    return ImpactPreview(
        before_name=data["before_name"],
        after_name=data["after_name"],
        members_more=data["members_more"],
        members_less=data["members_less"],
        members_same=data["members_same"],
        members_not_quoted=data["members_not_quoted"],
        total_before_cents=data["total_before_cents"],
        total_after_cents=data["total_after_cents"],
        largest_changes=[MemberChange(*row) for row in data["largest_changes"]],
        changes_by_dollar=Counter({int(k): v for k, v in data["changes_by_dollar"]}),
        smallest_change_cents=data["smallest_change_cents"],
        largest_change_cents=data["largest_change_cents"],
        quotes=data["quotes"],
    )
