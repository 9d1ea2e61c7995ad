"""The impact preview as a kept computation: the staff page shows the latest result for the
schedule's current terms, and a large population is quoted by a worker while the page polls.

Rules:
- One code path: `impact_run_compute` computes a run with `dues_impact_preview`, whether a
  worker calls it or the request does (populations up to DUES_PREVIEW_INLINE_MEMBERS, which
  take well under a second), so the figures are the preview's own.
- A result is shown again while it is fresh (DUES_PREVIEW_FRESH_SECONDS) and the terms it
  was computed for are unchanged (`terms_key`: both schedules' categories, rates and
  discounts). Staff can compute it again at any time.
- A run that raises records its error (`failed`); the page says so and offers to try again.
  A run whose worker died (no heartbeat for DUES_PREVIEW_STALE_SECONDS) is replaced by a new
  one at the next visit.
"""

import dataclasses
import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import DuesImpactRun, DuesSchedule, ImpactRunState
from membership.services.dues_preview import (
    ImpactPreview,
    dues_impact_preview,
    impact_as_json,
    impact_from_json,
)

# The worker records how far it got after this many members.
PROGRESS_EVERY = 10_000


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _canonical(value):
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def impact_terms_key(*, schedule: DuesSchedule, today: dt.date | None = None) -> str:
    """A fingerprint of what the preview of `schedule` depends on besides the members: the
    schedule in effect today and both schedules' terms (six small queries)."""
    from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms

    current = dues_schedule_in_effect(on=today or timezone.localdate()) or schedule
    parts = [
        dataclasses.asdict(dues_schedule_terms(schedule=current)),
        dataclasses.asdict(dues_schedule_terms(schedule=schedule)),
    ]
    text = json.dumps(parts, sort_keys=True, default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


def _stalled(run: DuesImpactRun, now) -> bool:
    if run.state not in (ImpactRunState.QUEUED, ImpactRunState.RUNNING):
        return False
    last_sign = run.heartbeat_at or run.created_at
    return (now - last_sign).total_seconds() > _setting("DUES_PREVIEW_STALE_SECONDS", 600)


def impact_run_for_page(*, schedule: DuesSchedule, user=None) -> DuesImpactRun:
    """The run the preview page shows: the latest fresh one for the schedule's current terms,
    or a new one (computed here for a small population, queued for a worker otherwise)."""
    key = impact_terms_key(schedule=schedule)
    now = timezone.now()
    fresh_since = now - dt.timedelta(seconds=_setting("DUES_PREVIEW_FRESH_SECONDS", 900))
    run = (
        DuesImpactRun.objects.filter(schedule=schedule, terms_key=key, created_at__gte=fresh_since)
        .order_by("-created_at", "-id")
        .first()
    )
    if run is not None and not _stalled(run, now):
        return run
    return impact_run_start(schedule=schedule, user=user, terms_key=key)


def impact_run_start(
    *, schedule: DuesSchedule, user=None, terms_key: str | None = None
) -> DuesImpactRun:
    """Start a computation of the preview: in this request when at most
    DUES_PREVIEW_INLINE_MEMBERS members are quoted, else by a worker after commit."""
    from membership.selectors import members_in_good_standing

    inline_limit = _setting("DUES_PREVIEW_INLINE_MEMBERS", 2000)
    # Counted up to one past the limit: the page never counts a large population itself.
    counted = members_in_good_standing().order_by()[: inline_limit + 1].count()
    run = DuesImpactRun.objects.create(
        schedule=schedule,
        terms_key=terms_key or impact_terms_key(schedule=schedule),
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        members_expected=counted if counted <= inline_limit else 0,
    )
    if counted <= inline_limit:
        impact_run_compute(run_id=run.pk)
        run.refresh_from_db()
    else:
        transaction.on_commit(lambda: _enqueue(run.pk), robust=True)
    return run


def _enqueue(run_id: int) -> None:
    from membership.tasks import dues_impact_task

    dues_impact_task.delay(run_id)


def _claim(run_id: int) -> DuesImpactRun | None:
    from membership.selectors import members_in_good_standing

    with transaction.atomic():
        run = (
            DuesImpactRun.objects.select_for_update()
            .select_related("schedule")
            .filter(pk=run_id, state__in=[ImpactRunState.QUEUED, ImpactRunState.RUNNING])
            .first()
        )
        if run is None:
            return None
        now = timezone.now()
        run.state = ImpactRunState.RUNNING
        run.started_at = run.heartbeat_at = now
        run.members_done = 0
        if not run.members_expected:
            run.members_expected = members_in_good_standing().order_by().count()
        run.save(
            update_fields=[
                "state",
                "started_at",
                "heartbeat_at",
                "members_done",
                "members_expected",
            ]
        )
        return run


def _counting(run_id: int):
    """Wrap the member stream: every PROGRESS_EVERY members, record how many were read."""

    def watch(members):
        for done, row in enumerate(members, start=1):
            yield row
            if done % PROGRESS_EVERY == 0:
                DuesImpactRun.objects.filter(pk=run_id).update(
                    members_done=done, heartbeat_at=timezone.now()
                )

    return watch


def impact_run_compute(*, run_id: int) -> str:
    """Compute one run with `dues_impact_preview` and keep its figures. Safe to run again: a
    redelivered run computes from the start; a finished one is left as it is."""
    run = _claim(run_id)
    if run is None:
        return DuesImpactRun.objects.filter(pk=run_id).values_list("state", flat=True).first()
    try:
        preview = dues_impact_preview(schedule=run.schedule, watch=_counting(run.pk))
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the run
        DuesImpactRun.objects.filter(pk=run.pk).update(
            state=ImpactRunState.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        return ImpactRunState.FAILED
    DuesImpactRun.objects.filter(pk=run.pk).update(
        state=ImpactRunState.DONE,
        result=impact_as_json(preview),
        members_done=preview.members_quoted + preview.members_not_quoted,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    return ImpactRunState.DONE


def impact_run_preview(run: DuesImpactRun) -> ImpactPreview | None:
    return impact_from_json(run.result) if run.state == ImpactRunState.DONE else None


def impact_run_progress(run: DuesImpactRun) -> dict:
    """What the page and its poll show while the run works (from the row alone)."""
    stalled = _stalled(run, timezone.now())
    if run.state == ImpactRunState.DONE:
        percent = 100
    elif run.members_expected:
        percent = min(99, run.members_done * 100 // run.members_expected)
    else:
        percent = 0
    label = (
        _("Stopped: no worker has reported for a while. Open the page again to start anew.")
        if stalled
        else str(ImpactRunState(run.state).label)
    )
    return {
        "state": run.state,
        "state_label": label,
        "percent": percent,
        "members_done": run.members_done,
        "members_expected": run.members_expected,
        "finished": run.state in (ImpactRunState.DONE, ImpactRunState.FAILED) or stalled,
        "done": run.state == ImpactRunState.DONE,
        "stalled": stalled,
    }
