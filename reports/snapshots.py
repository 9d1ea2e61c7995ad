"""Report snapshots: a report page's figures are computed once, stored, and served again while
the rows they were computed from have not changed (docs/decisions/008-reports.md).

- A page's figures are keyed by its filters, the day, the language and the lifecycle rules.
- PostgreSQL triggers append a `DataChange` for every statement that writes a watched table;
  a snapshot remembers the last one it saw (`change_mark`). No change since: it is current.
- A snapshot that changes have overtaken is served for `REPORTS_STALE_SECONDS` more, saying
  when it was computed and how many changes it does not count yet, while the sweep
  (`reports.tasks.refresh_report_snapshots`, every few minutes) or the page's Refresh button
  recomputes it. Older than that, or none at all, the page computes its figures from the rows
  there and then, exactly as without snapshots.
- On SQLite (the demo) there are no triggers, so no snapshots: every page computes.
"""

import hashlib
import json
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.utils import timezone, translation

from reports.models import ReportSnapshot
from reports.selectors.common import report_computing

MAX_COUNTED_CHANGES = 1000  # "1,000 or more changes": counting further tells staff nothing new


@dataclass(frozen=True)
class ReportPage:
    """A cached report page: `filters(get, rules, today)` gives (form, values) cheaply;
    `build(values, rules, today)` gives (report, heading), the expensive part."""

    key: str
    filters: Callable
    build: Callable


@dataclass(frozen=True)
class Served:
    report: object
    heading: list[str]
    snapshot: ReportSnapshot | None  # None when snapshots are off (SQLite)
    computed_now: bool
    changes_since: int  # watched writes since it was computed; 0: the figures are current

    @property
    def stale(self) -> bool:
        return self.changes_since > 0

    @property
    def max_counted(self) -> int:
        return MAX_COUNTED_CHANGES


def snapshots_enabled() -> bool:
    return connection.vendor == "postgresql" and settings.REPORTS_SNAPSHOTS


def current_change_mark() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM reports_datachange")
        return cursor.fetchone()[0]


def changes_since(mark: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM reports_datachange WHERE id > %s LIMIT %s) c",
            (mark, MAX_COUNTED_CHANGES),
        )
        return cursor.fetchone()[0]


def filters_query(get: QueryDict) -> str:
    """The page's filters as a query string, without the CSV switch."""
    query = get.copy()
    query.pop("format", None)
    return query.urlencode()


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def snapshot_digest(*, page: str, values: dict, rules, today, language: str) -> str:
    rule_values = [str(getattr(rules, f.attname)) for f in rules._meta.concrete_fields]
    key = [
        page,
        sorted((k, _jsonable(v)) for k, v in values.items()),
        rule_values,
        today.isoformat(),
        language,
    ]
    return hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()


def _compute_and_store(*, page: ReportPage, values, query, rules, today, digest) -> Served:
    # The mark is read before the figures, so a change written meanwhile shows as not counted.
    mark = current_change_mark()
    started = time.perf_counter()
    with report_computing():
        report, heading = page.build(values, rules, today)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    now = timezone.now()
    snapshot = ReportSnapshot(
        digest=digest,
        page=page.key,
        query=query,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        today=today,
        change_mark=mark,
        computed_at=now,
        compute_ms=elapsed_ms,
        viewed_at=now,
        refresh_requested_at=None,
        payload=pickle.dumps((report, heading)),
    )
    # One statement whether the row is new or replaces an older computation.
    ReportSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["digest"],
        update_fields=[
            "query",
            "change_mark",
            "computed_at",
            "compute_ms",
            "viewed_at",
            "refresh_requested_at",
            "payload",
        ],
    )
    return Served(report, heading, snapshot, computed_now=True, changes_since=0)


def serve_report(*, page: ReportPage, values: dict, query: str, rules, today) -> Served:
    """The page's figures: from its snapshot when current (or stale for less than
    REPORTS_STALE_SECONDS), else computed from the rows and stored. The number of queries does
    not depend on the data: three to serve a snapshot, the page's own plus three to compute."""
    if not snapshots_enabled():
        with report_computing():
            report, heading = page.build(values, rules, today)
        return Served(report, heading, None, computed_now=True, changes_since=0)
    language = translation.get_language() or settings.LANGUAGE_CODE
    digest = snapshot_digest(
        page=page.key, values=values, rules=rules, today=today, language=language
    )
    snapshot = ReportSnapshot.objects.filter(digest=digest).first()
    if snapshot is not None:
        since = changes_since(snapshot.change_mark)
        age = (timezone.now() - snapshot.computed_at).total_seconds()
        if since == 0 or age < settings.REPORTS_STALE_SECONDS:
            ReportSnapshot.objects.filter(pk=snapshot.pk).update(viewed_at=timezone.now())
            report, heading = pickle.loads(snapshot.payload)  # noqa: S301 (written by us)
            return Served(report, heading, snapshot, computed_now=False, changes_since=since)
    else:
        changes_since(0)  # the same number of queries whether or not a snapshot existed
    return _compute_and_store(
        page=page, values=values, query=query, rules=rules, today=today, digest=digest
    )


def snapshot_refresh(*, snapshot_id: int) -> ReportSnapshot | None:
    """Compute a snapshot's page again from the rows, for today and today's rules (a snapshot
    of an earlier day becomes today's, under its new key). None if the row is gone."""
    from membership.models import MembershipRules
    from reports.views.pages import report_pages

    snapshot = ReportSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        return None
    page = report_pages().get(snapshot.page)
    if page is None:
        snapshot.delete()
        return None
    rules, today = MembershipRules.current(), timezone.localdate()
    with translation.override(snapshot.language):
        _form, values = page.filters(QueryDict(snapshot.query), rules, today)
        digest = snapshot_digest(
            page=page.key, values=values, rules=rules, today=today, language=snapshot.language
        )
        _compute_and_store(
            page=page, values=values, query=snapshot.query, rules=rules, today=today, digest=digest
        )
    fresh = ReportSnapshot.objects.get(digest=digest)
    if fresh.pk != snapshot.pk:
        ReportSnapshot.objects.filter(pk=snapshot.pk).delete()
        # Keep when staff last looked, so the sweep goes on refreshing it.
        ReportSnapshot.objects.filter(pk=fresh.pk).update(viewed_at=snapshot.viewed_at)
    return fresh


def snapshots_due(*, today) -> list[int]:
    """Snapshots looked at in the last REPORTS_SNAPSHOT_KEEP_DAYS whose figures changes have
    overtaken, that were computed for an earlier day, or whose refresh staff asked for."""
    from django.db.models import Exists, OuterRef, Q

    from reports.models import DataChange

    recent = timezone.now() - timezone.timedelta(days=settings.REPORTS_SNAPSHOT_KEEP_DAYS)
    newer = DataChange.objects.filter(id__gt=OuterRef("change_mark"))
    return list(
        ReportSnapshot.objects.filter(viewed_at__gte=recent)
        .filter(Q(Exists(newer)) | Q(today__lt=today) | Q(refresh_requested_at__isnull=False))
        .order_by("-viewed_at")
        .values_list("pk", flat=True)
    )


def snapshots_prune() -> tuple[int, int]:
    """Forget snapshots nobody looked at for REPORTS_SNAPSHOT_KEEP_DAYS, and the changes every
    remaining snapshot has already seen."""
    from django.db.models import Min

    from reports.models import DataChange

    now = timezone.now()
    recent = now - timezone.timedelta(days=settings.REPORTS_SNAPSHOT_KEEP_DAYS)
    snapshots, _ = ReportSnapshot.objects.filter(viewed_at__lt=recent).delete()
    # An hour's changes always stay: a page computing now has read its mark but not stored it.
    seen = DataChange.objects.filter(changed_at__lt=now - timezone.timedelta(hours=1))
    oldest_mark = ReportSnapshot.objects.aggregate(m=Min("change_mark"))["m"]
    if oldest_mark is not None:
        seen = seen.filter(id__lte=oldest_mark)
    changes, _ = seen.delete()
    return snapshots, changes
