"""The daily job: status transitions and renewal reminders, in a bounded number of queries."""

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from communications.models import OutgoingMessage
from communications.services.outbox import Draft, messages_queue
from membership.events import DAILY_PARTS, memberships_lapsed, send_in_transaction
from membership.history import SOURCE_MEMBERSHIP_DAILY, history_context
from membership.models import (
    Member,
    Membership,
    MembershipRules,
    MembershipTerm,
    Reminder,
    Status,
    TermKind,
    TermStatus,
)

logger = logging.getLogger(__name__)

GRACE_KEY = "grace"
# Reminders claimed, rendered and queued together: the e-mails of one chunk are in memory at
# once, never a whole backlog's.
REMINDER_CHUNK = 2_000


def daily_part_names() -> list[str]:
    return list(DAILY_PARTS)


@history_context(source=SOURCE_MEMBERSHIP_DAILY)
def daily_part_run(*, name: str, on: dt.date) -> dict[str, int]:
    """Run one part of the day's work; it commits on its own. Raises what the part raised.
    Every tracked change it makes (bulk updates too) is labelled as the daily job's."""
    return DAILY_PARTS[name](on=on) or {}


def membership_daily(*, on: dt.date, parts: list[str] | None = None) -> dict:
    """Everything that happens because a day has passed. Safe to run twice, or twice at once:
    transitions are set-based updates and each reminder is claimed through a unique row.

    Each part (transitions, reminders, installments, expiries, card charges) runs and commits
    on its own: one that fails is logged and named in `failed_parts`, and the others run."""
    summary: dict = {}
    failed: list[str] = []
    for name in parts or daily_part_names():
        try:
            summary.update(daily_part_run(name=name, on=on))
        except Exception:
            logger.exception("Daily part %s failed on %s; the other parts go on.", name, on)
            failed.append(name)
    if failed:
        summary["failed_parts"] = failed
    return summary


@transaction.atomic
def statuses_bring_up_to_date(*, on: dt.date) -> dict[str, int]:
    """Store the status each membership has on `on` (the status read from dates is already
    right; this keeps the stored column in step for queries and tells listeners of lapses).

    One UPDATE per transition, however many memberships a day (or a backlog of days) moves:
    the database does the work, and the history triggers record each changed row."""
    grace_days = MembershipRules.current().grace_days
    grace_start = on - dt.timedelta(days=grace_days)
    # One timestamp for the whole run: with the rows still locked by this transaction, the
    # memberships lapsed here are those that are `lapsed` and carry it.
    now = timezone.now()
    lapsed = Membership.objects.filter(
        status__in=[Status.ACTIVE, Status.GRACE], paid_through_on__lte=grace_start
    ).update(status=Status.LAPSED, updated_at=now)
    to_grace = Membership.objects.filter(
        status=Status.ACTIVE, paid_through_on__lte=on, paid_through_on__gt=grace_start
    ).update(status=Status.GRACE, updated_at=now)
    back = Membership.objects.filter(
        status__in=[Status.GRACE, Status.LAPSED], paid_through_on__gt=on
    ).update(status=Status.ACTIVE, updated_at=now)
    if lapsed:
        # Straight from the membership table (no join through members), so that the
        # receivers' statements probe memberships by member id whatever the planner knows.
        member_ids = Membership.objects.filter(status=Status.LAPSED, updated_at=now).values(
            "member_id"
        )
        send_in_transaction(memberships_lapsed, sender=Member, member_ids=member_ids, on=on)
    return {"to_grace": to_grace, "lapsed": lapsed, "back_to_active": back}


def reminder_windows(reminder_days: list[int], grace_days: int) -> list[tuple[str, int, int]]:
    """(key, from, to) in days relative to the end date: a reminder is due while
    end + from <= today < end + to. Each window stops where the next reminder's starts, so a
    job that missed days sends the reminder that fits today, not a burst of stale ones."""
    days = sorted({int(d) for d in reminder_days if int(d) > 0}, reverse=True)
    windows = []
    for i, d in enumerate(days):
        until = -days[i + 1] if i + 1 < len(days) else 0
        windows.append((str(d), -d, until))
    windows.append((GRACE_KEY, 0, grace_days))
    return windows


def reminders_send(*, on: dt.date) -> dict[str, int]:
    rules = MembershipRules.current()
    sent = 0
    for key, start, stop in reminder_windows(rules.reminder_days, rules.grace_days):
        # Only the latest paid term of a membership counts: a renewed term is not reminded.
        due = MembershipTerm.objects.filter(
            status=TermStatus.ACTIVE,
            end_on__gt=on - dt.timedelta(days=stop),
            end_on__lte=on - dt.timedelta(days=start),
            membership__paid_through_on=F("end_on"),
            # A closed (or disabled) account is not reminded.
            membership__member__user__is_active=True,
        ).exclude(Q(kind=TermKind.LIFE) | Q(reminders__key=key))
        sent += _claim_and_send(due, key=key, on=on)
    return {"reminders_sent": sent}


def _claim_and_send(due, *, key: str, on: dt.date) -> int:
    """Claim and queue the due reminders of one window, REMINDER_CHUNK terms at a time (by
    term id), each chunk in a transaction of its own: memory and lock time stay bounded
    however many terms a backlog makes due."""
    sent = 0
    after = 0
    while True:
        with transaction.atomic():
            term_ids = list(
                due.filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:REMINDER_CHUNK]
            )
            if term_ids:
                sent += _claim_chunk(term_ids, key=key, on=on)
        if len(term_ids) < REMINDER_CHUNK:
            return sent
        after = term_ids[-1]


def _claim_chunk(term_ids: list[int], *, key: str, on: dt.date) -> int:
    """Insert one Reminder row per due term; the unique (term, key) constraint lets exactly one
    run win each row, and only the rows this run inserted (its claim id) get a message. The
    reminder and its outbox message commit together: a reminder is sent when its message is,
    and the outbox retries that message until it is."""
    claim = uuid.uuid4()
    Reminder.objects.bulk_create(
        [Reminder(term_id=pk, key=key, claim=claim) for pk in term_ids],
        ignore_conflicts=True,
        batch_size=REMINDER_CHUNK,
    )
    reminders = list(
        Reminder.objects.filter(claim=claim).select_related(
            "term__membership__member__user", "term__category"
        )
    )
    if not reminders:
        return 0
    messages_queue([_reminder_draft(r, on) for r in reminders])
    # Each reminder points at its message, found by the key `_reminder_draft` gave it.
    Reminder.objects.filter(claim=claim).update(
        message_id=Subquery(
            OutgoingMessage.objects.filter(
                key=Concat(Value("reminder-"), Cast(OuterRef("pk"), CharField()))
            ).values("pk")[:1]
        )
    )
    return len(reminders)


def _reminder_draft(reminder: Reminder, on: dt.date) -> Draft:
    term = reminder.term
    member = term.membership.member
    return Draft(
        to=member.user.email,
        template="membership/email/reminder",
        context={
            "member": member,
            "term": term,
            "in_grace": reminder.key == GRACE_KEY,
            "days_left": (term.end_on - on).days,
            "reminder_window": reminder.key,
        },
        user_id=member.user_id,
        key=f"reminder-{reminder.pk}",
        facts={"term_id": term.pk, "reminder": reminder.key},
    )
