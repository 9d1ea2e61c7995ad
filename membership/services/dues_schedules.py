"""Services that change dues schedules, their rates and discounts, and categories.

Every change is audited in the same transaction. A schedule that is in effect or that an
invoice used is never edited in place: staff clone it, change the draft and publish the draft.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.dues_text import positions_text
from membership.models import DuesDiscount, DuesRate, DuesSchedule, MembershipCategory
from membership.services.audit import audit_diff, audit_record

RATE_FIELDS = (
    "category",
    "positions",
    "method",
    "amount_cents",
    "percent_bp",
    "minimum_cents",
    "cap_cents",
)
DISCOUNT_FIELDS = (
    "label",
    "max_population",
    "max_budget_cents",
    "categories",
    "positions",
    "percent_off_bp",
    "replacement_cap_cents",
    "priority",
)
CATEGORY_FIELDS = (
    "name",
    "description",
    "eligible_positions",
    "member_selectable",
    "voting",
    "sort_order",
)


class DuesScheduleError(Exception):
    """A change staff asked for that cannot be made; `messages` say what to do instead."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(" ".join(messages))


def _values(obj, fields) -> dict:
    values = {}
    for field in fields:
        value = getattr(obj, field)
        values[field] = value.code if isinstance(value, MembershipCategory) else value
    return values


def schedule_problems(*, rates: Iterable[tuple[str, Iterable[str]]], categories) -> list[str]:
    """What stops a schedule's rates from pricing every member exactly once.

    `rates` are (category code, position codes) pairs; no positions means "every other
    position". Each member-selectable category needs a rate for each position it admits, and
    no position may be priced twice within a category.
    """
    problems = []
    categories = list(categories)
    names = {c.code: c.name for c in categories}
    specific: dict[tuple[str, str], int] = {}
    catch_all: dict[str, int] = {}
    for code, positions in rates:
        positions = list(positions)
        if not positions:
            catch_all[code] = catch_all.get(code, 0) + 1
        for position in positions:
            specific[(code, position)] = specific.get((code, position), 0) + 1
    for code, count in catch_all.items():
        if count > 1:
            problems.append(
                _("%(cat)s has %(n)d rates for every position; keep one and delete the others.")
                % {"cat": names.get(code, code), "n": count}
            )
    for (code, position), count in sorted(specific.items()):
        if count > 1:
            problems.append(
                _("%(cat)s has %(n)d rates for the position %(pos)s; keep one.")
                % {"cat": names.get(code, code), "n": count, "pos": positions_text([position])}
            )
    for category in categories:
        allowed = list(category.eligible_positions or ())
        for code, position in specific:
            if code == category.code and allowed and position not in allowed:
                problems.append(
                    _("A rate for %(cat)s lists %(pos)s, which %(cat)s does not admit.")
                    % {"cat": category.name, "pos": positions_text([position])}
                )
        if not category.member_selectable or category.code in catch_all:
            continue
        if not allowed:
            problems.append(
                _("%(cat)s needs a rate; add one with no positions ticked.")
                % {"cat": category.name}
            )
            continue
        missing = [p for p in allowed if (category.code, p) not in specific]
        if missing:
            problems.append(
                _("%(cat)s has no rate for %(positions)s; add a rate for them.")
                % {"cat": category.name, "positions": positions_text(missing)}
            )
    return problems


def _locked_schedule(schedule_id: int) -> DuesSchedule:
    return DuesSchedule.objects.select_for_update().get(pk=schedule_id)


def _refuse_if_not_editable(schedule: DuesSchedule, today: date) -> None:
    refusal = schedule.edit_refusal(today=today)
    if refusal:
        raise DuesScheduleError([refusal])


@transaction.atomic
def schedule_clone(*, schedule_id: int, actor, today: date | None = None) -> DuesSchedule:
    """Copy a schedule's rates and discounts into a new draft that starts tomorrow."""
    today = today or timezone.localdate()
    source = DuesSchedule.objects.get(pk=schedule_id)
    draft = DuesSchedule.objects.create(
        name=_("Copy of %(name)s") % {"name": source.name},
        effective_from=today + timedelta(days=1),
        status=DuesSchedule.Status.DRAFT,
        cloned_from=source,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    rates = list(DuesRate.objects.filter(schedule=source))
    discounts = list(DuesDiscount.objects.filter(schedule=source))
    for row in rates + discounts:
        row.pk = None
        row.schedule = draft
    DuesRate.objects.bulk_create(rates)
    DuesDiscount.objects.bulk_create(discounts)
    audit_record(
        actor=actor, action="clone", obj=draft, changes={"cloned_from": [None, source.name]}
    )
    return draft


def _apply_rows(*, model, schedule, rows: list[dict], fields, actor) -> None:
    existing = {row.pk: row for row in model.objects.filter(schedule=schedule)}
    for data in rows:
        row = existing.get(data.get("id")) if data.get("id") else None
        if data.get("id") and row is None:
            raise DuesScheduleError(
                [_("A row was changed by someone else meanwhile; reload the page and try again.")]
            )
        if data.get("delete"):
            if row is not None:
                audit_record(
                    actor=actor,
                    action="delete",
                    obj=row,
                    changes=audit_diff(_values(row, fields), {}),
                )
                row.delete()
            continue
        before = _values(row, fields) if row is not None else {}
        row = row or model(schedule=schedule)
        for field in fields:
            setattr(row, field, data[field])
        changes = audit_diff(before, _values(row, fields))
        if changes:
            action = "update" if row.pk else "create"
            row.full_clean()
            row.save()
            audit_record(actor=actor, action=action, obj=row, changes=changes)


@transaction.atomic
def schedule_save(
    *,
    schedule_id: int,
    actor,
    name: str,
    rates: list[dict],
    discounts: list[dict],
    today: date | None = None,
) -> DuesSchedule:
    """Change an editable schedule's name, rates and discounts together, or nothing at all.

    Rows are dicts of the model fields plus `id` (None for a new row) and `delete`.
    """
    today = today or timezone.localdate()
    schedule = _locked_schedule(schedule_id)
    _refuse_if_not_editable(schedule, today)
    kept_rates = [r for r in rates if not r.get("delete")]
    problems = schedule_problems(
        rates=[(r["category"].code, r["positions"]) for r in kept_rates],
        categories=MembershipCategory.objects.all(),
    )
    if problems:
        raise DuesScheduleError(problems)
    if name != schedule.name:
        audit_record(
            actor=actor, action="update", obj=schedule, changes={"name": [schedule.name, name]}
        )
        schedule.name = name
        schedule.save(update_fields=["name"])
    _apply_rows(model=DuesRate, schedule=schedule, rows=rates, fields=RATE_FIELDS, actor=actor)
    _apply_rows(
        model=DuesDiscount, schedule=schedule, rows=discounts, fields=DISCOUNT_FIELDS, actor=actor
    )
    return schedule


@transaction.atomic
def schedule_publish(
    *,
    schedule_id: int,
    actor,
    effective_from: date,
    today: date | None = None,
    notify_members: bool = False,
) -> DuesSchedule:
    """Publish a draft from a future date. The schedule in effect then ends the day before,
    and a later published schedule (if any) ends this one, so one schedule is in effect a day.
    With `notify_members`, each member whose dues change gets their own notice (after commit).
    """
    today = today or timezone.localdate()
    published = list(
        DuesSchedule.objects.select_for_update()
        .filter(status=DuesSchedule.Status.PUBLISHED)
        .order_by("effective_from")
    )
    schedule = _locked_schedule(schedule_id)
    if schedule.is_published:
        raise DuesScheduleError([_("This schedule is already published; clone it to change it.")])
    if effective_from <= today:
        raise DuesScheduleError(
            [
                _(
                    "Choose a date after today: quotes already given today must stay valid. "
                    "The earliest is %(day)s."
                )
                % {"day": (today + timedelta(days=1)).isoformat()}
            ]
        )
    clash = next((s for s in published if s.effective_from == effective_from), None)
    if clash:
        raise DuesScheduleError(
            [
                _("“%(name)s” already starts on %(day)s; choose another date.")
                % {"name": clash.name, "day": effective_from.isoformat()}
            ]
        )
    problems = schedule_problems(
        rates=[
            (r.category.code, r.positions)
            for r in DuesRate.objects.filter(schedule=schedule).select_related("category")
        ],
        categories=MembershipCategory.objects.all(),
    )
    if problems:
        raise DuesScheduleError(problems)
    later = [s for s in published if s.effective_from > effective_from]
    for previous in published:
        if previous.in_effect_on(effective_from):
            audit_record(
                actor=actor,
                action="supersede",
                obj=previous,
                changes={"effective_to": [previous.effective_to, effective_from]},
            )
            previous.effective_to = effective_from
            previous.save(update_fields=["effective_to"])
    before = _values(schedule, ("status", "effective_from", "effective_to"))
    schedule.status = DuesSchedule.Status.PUBLISHED
    schedule.effective_from = effective_from
    schedule.effective_to = later[0].effective_from if later else None
    schedule.published_at = timezone.now()
    schedule.published_by = actor if getattr(actor, "is_authenticated", False) else None
    schedule.save()
    audit_record(
        actor=actor,
        action="publish",
        obj=schedule,
        changes=audit_diff(before, _values(schedule, ("status", "effective_from", "effective_to"))),
    )
    if notify_members:
        from membership.tasks import send_dues_change_notices

        pk = schedule.pk
        transaction.on_commit(lambda: send_dues_change_notices.delay(pk), robust=True)
    return schedule


@transaction.atomic
def schedule_delete_draft(*, schedule_id: int, actor) -> None:
    """Delete a draft with its rates and discounts. Published schedules are kept for ever."""
    schedule = _locked_schedule(schedule_id)
    if schedule.is_published:
        raise DuesScheduleError(
            [_("Published schedules are kept for the record; only drafts can be deleted.")]
        )
    audit_record(
        actor=actor, action="delete", obj=schedule, changes={"name": [schedule.name, None]}
    )
    schedule.delete()


@transaction.atomic
def category_update(*, category_id: int, actor, **fields) -> MembershipCategory:
    """Change a category's texts or eligibility; its code never changes (rates refer to it)."""
    unknown = set(fields) - set(CATEGORY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown category fields: {sorted(unknown)}")
    category = MembershipCategory.objects.select_for_update().get(pk=category_id)
    before = _values(category, fields)
    for field, value in fields.items():
        setattr(category, field, value)
    changes = audit_diff(before, _values(category, fields))
    if changes:
        category.full_clean()
        category.save(update_fields=list(fields))
        audit_record(actor=actor, action="update", obj=category, changes=changes)
    return category
