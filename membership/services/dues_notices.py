"""Personal notices of a dues change: each member whose dues a newly published schedule
changes gets their own before/after quote, line by line, with the date it takes effect.

The members and amounts come from the impact preview's own computation (`impact_compute`
with `on_change`), so the notices match the preview member by member; the lines come from
`quote_compute` on the same terms and facts, so they add up to the totals.
"""

import datetime as dt

from django.db import transaction

from communications.services.outbox import Draft, messages_queue
from membership.models import DuesSchedule, Member
from membership.models.member import format_member_number
from membership.services.dues import quote_compute
from membership.services.dues_preview import MemberChange, impact_compute

CHUNK = 2_000
TEMPLATE = "membership/email/dues_change"


def _lines(quote) -> list[dict]:
    return [{"label": str(line.label), "amount_cents": line.amount_cents} for line in quote.lines]


def notice_key(*, schedule_id: int, member_id: int) -> str:
    return f"dues-change-{schedule_id}-{member_id}"


def dues_change_notices_queue(*, schedule_id: int) -> int:
    """Queue one notice per member whose dues change from the schedule in effect the day
    before `schedule` starts to `schedule`. Keyed by schedule and member: running it again
    (a retried task) queues nothing twice. Returns the number of changed members."""
    from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms
    from membership.selectors import members_for_dues_preview

    schedule = DuesSchedule.objects.get(pk=schedule_id, status=DuesSchedule.Status.PUBLISHED)
    previous = dues_schedule_in_effect(on=schedule.effective_from - dt.timedelta(days=1))
    if previous is None or previous.pk == schedule.pk:
        return 0
    before, after = dues_schedule_terms(schedule=previous), dues_schedule_terms(schedule=schedule)
    pending: list[tuple[MemberChange, tuple]] = []
    count = 0

    def flush():
        _queue_chunk(pending, before=before, after=after, schedule=schedule)
        pending.clear()

    def on_change(change: MemberChange, facts: tuple) -> None:
        nonlocal count
        count += 1
        pending.append((change, facts))
        if len(pending) >= CHUNK:
            flush()

    impact_compute(
        before=before, after=after, members=members_for_dues_preview(), on_change=on_change
    )
    flush()
    return count


@transaction.atomic
def _queue_chunk(pending, *, before, after, schedule) -> None:
    if not pending:
        return
    people = {
        m["pk"]: m
        for m in Member.objects.filter(pk__in=[c.member_id for c, _f in pending]).values(
            "pk", "user_id", "user__email", "full_name"
        )
    }
    drafts = []
    for change, (category, position, salary, population, budget) in pending:
        person = people.get(change.member_id)
        if person is None:
            continue
        facts = {
            "category": category,
            "position": position,
            "salary_cents": salary,
            "population": population,
            "budget_cents": budget,
        }
        old, new = quote_compute(terms=before, **facts), quote_compute(terms=after, **facts)
        drafts.append(
            Draft(
                to=person["user__email"],
                template=TEMPLATE,
                context={
                    "member": {
                        "display_name": person["full_name"] or person["user__email"],
                        "member_number": format_member_number(person["pk"]),
                    },
                    "effective_on": schedule.effective_from,
                    "schedule_name": schedule.name,
                    "before_total_cents": old.total_cents,
                    "after_total_cents": new.total_cents,
                    "change_cents": change.change_cents,
                    "before_lines": _lines(old),
                    "after_lines": _lines(new),
                },
                user_id=person["user_id"],
                key=notice_key(schedule_id=schedule.pk, member_id=change.member_id),
                facts={
                    "schedule_id": schedule.pk,
                    "member_id": change.member_id,
                    "before_cents": old.total_cents,
                    "after_cents": new.total_cents,
                },
            )
        )
    messages_queue(drafts)
