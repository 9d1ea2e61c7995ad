"""The staff member export, written in the background in chunks.

Rules:
- Staff ask for an export of the members a search matches; a row is saved (`queued`) and a
  worker writes the file after commit. No web request reads more than one job row.
- The worker reads the members through a server-side cursor in member-id order,
  `MEMBER_EXPORT_CHUNK_ROWS` at a time, and stores each chunk's lines as one part, with the
  progress, in one transaction: memory holds one chunk, whatever the number of members.
- The file's last line says how many members it holds and the SHA-256 of every byte before
  it (`# end of export: N members; sha256=…`). The job records the same figures, the number
  of parts and the size. A file cut anywhere lacks that line or fails its checksum, and the
  download is refused unless the job is `done` and every part is stored.
- A worker that raises records the error on the row (`failed`) and drops the parts written;
  a worker that dies leaves the row `running` with an old heartbeat, shown as stopped, and the
  redelivered task starts the file again from the first member. Staff may stop a job; the
  worker sees it at the next chunk.
"""

import csv
import datetime as dt
import hashlib
import io
import re
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import ExportState, MemberExport, MemberExportPart
from billing.staff_selectors import (
    MemberFilters,
    grace_days_now,
    members_export_rows,
    members_search,
    row_status,
)
from membership.models import Position, Status
from membership.models.member import format_member_number

EXPORT_HEADER = (
    "Member number",
    "Name",
    "E-mail",
    "Position",
    "Employer",
    "Country",
    "State or province",
    "Category",
    "Status",
    "Paid through",
    "Member since",
)
TRAILER = "# end of export: {rows} members; sha256={sha256}"
TRAILER_PATTERN = re.compile(rb"# end of export: (\d+) members; sha256=([0-9a-f]{64})\r\n\Z")

# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportNotReady(Exception):
    """The file may not be downloaded: the job has not finished, or its parts are not whole."""


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def chunk_rows() -> int:
    return max(1, int(getattr(settings, "MEMBER_EXPORT_CHUNK_ROWS", 5_000)))


def stale_seconds() -> int:
    return int(getattr(settings, "MEMBER_EXPORT_STALE_SECONDS", 600))


@transaction.atomic
def member_export_start(*, filters: MemberFilters, user, on: dt.date | None = None):
    """Save the job and queue its worker after commit."""
    export = MemberExport.objects.create(
        requested_by=user, filters=filters.as_dict(), as_of_on=on or timezone.localdate()
    )
    transaction.on_commit(lambda: _enqueue(export.pk), robust=True)
    return export


def _enqueue(export_id: int) -> None:
    from billing.tasks import member_export_task

    member_export_task.delay(export_id)


def member_export_stop(*, export: MemberExport) -> bool:
    """Staff stop a job that has not finished; its parts are dropped by the worker (or here,
    when no worker holds it)."""
    with transaction.atomic():
        stopped = MemberExport.objects.filter(
            pk=export.pk, state__in=[ExportState.QUEUED, ExportState.RUNNING]
        ).update(state=ExportState.CANCELLED, finished_at=timezone.now())
        if stopped:
            MemberExportPart.objects.filter(export_id=export.pk).delete()
    return bool(stopped)


def _claim(export_id: int) -> MemberExport | None:
    """Take the job for this worker; a redelivered job that was running starts again."""
    with transaction.atomic():
        export = (
            MemberExport.objects.select_for_update()
            .filter(pk=export_id, state__in=[ExportState.QUEUED, ExportState.RUNNING])
            .first()
        )
        if export is None:
            return None
        MemberExportPart.objects.filter(export=export).delete()
        now = timezone.now()
        filters = MemberFilters.from_dict(export.filters)
        export.rows_expected = (
            members_search(filters=filters, on=export.as_of_on, grace_days=grace_days_now())
            .order_by()
            .count()
        )
        export.state = ExportState.RUNNING
        export.started_at = export.heartbeat_at = now
        export.attempts += 1
        export.rows_written = export.parts = export.size_bytes = 0
        export.error = ""
        export.save()
        return export


def _line_writer():
    buffer = io.StringIO()
    return buffer, csv.writer(buffer)


def _labels() -> tuple[dict, dict]:
    """Position and status labels as plain text, translated once per export, not per row."""
    return (
        {code: str(label) for code, label in Position.choices},
        {code: str(label) for code, label in Status.choices},
    )


def _chunk_text(rows, *, on: dt.date, grace_days: int, header: bool, labels) -> str:
    buffer, writer = _line_writer()
    positions, statuses = labels
    if header:
        writer.writerow(EXPORT_HEADER)
    for pk, name, email, position, employer, country, state, category, stored, paid, since in rows:
        status = row_status(
            stored_status=stored, paid_through_on=paid, on=on, grace_days=grace_days
        )
        writer.writerow(
            [
                format_member_number(pk),
                _safe_cell(name),
                _safe_cell(email),
                positions.get(position, position),
                _safe_cell(employer),
                str(country),
                _safe_cell(state),
                category or "",
                statuses.get(status, status),
                paid.isoformat() if paid else "",
                since.isoformat() if since else "",
            ]
        )
    return buffer.getvalue()


def _store_part(export_id: int, number: int, data: bytes, rows: int) -> bool:
    """Keep one part and move the progress; False when the job was stopped meanwhile."""
    with transaction.atomic():
        moved = MemberExport.objects.filter(pk=export_id, state=ExportState.RUNNING).update(
            rows_written=F("rows_written") + rows,
            parts=F("parts") + 1,
            size_bytes=F("size_bytes") + len(data),
            heartbeat_at=timezone.now(),
        )
        if moved:
            MemberExportPart.objects.create(export_id=export_id, number=number, content=data)
    return bool(moved)


def _fail(export_id: int, error: BaseException) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        MemberExport.objects.filter(pk=export_id, state=ExportState.RUNNING).update(
            state=ExportState.FAILED, error=message, finished_at=timezone.now()
        )
        MemberExportPart.objects.filter(export_id=export_id).delete()


def member_export_run(*, export_id: int) -> str:
    """Write the whole file, chunk by chunk. Returns the job's state when the worker is done
    with it. A job already finished is left as it is (a duplicate delivery does nothing)."""
    export = _claim(export_id)
    if export is None:
        return MemberExport.objects.filter(pk=export_id).values_list("state", flat=True).first()
    try:
        return _write(export)
    except BaseException as error:
        # Whatever stopped the writing (an error, the soft time limit, a shutdown) is recorded,
        # and the parts already written go: a half file is never kept.
        _fail(export.pk, error)
        if not isinstance(error, Exception):
            raise
        return ExportState.FAILED


def _write(export: MemberExport) -> str:
    filters = MemberFilters.from_dict(export.filters)
    grace_days = grace_days_now()
    limit = chunk_rows()
    labels = _labels()
    checksum = hashlib.sha256()
    number, rows_total = 0, 0
    members = members_export_rows(
        filters=filters, on=export.as_of_on, grace_days=grace_days, chunk_size=limit
    )
    try:
        while True:
            rows = list(islice(members, limit))
            text = _chunk_text(
                rows, on=export.as_of_on, grace_days=grace_days, header=number == 0, labels=labels
            )
            data = text.encode("utf-8")
            checksum.update(data)
            if not _store_part(export.pk, number, data, len(rows)):
                MemberExportPart.objects.filter(export_id=export.pk).delete()
                return ExportState.CANCELLED
            number += 1
            rows_total += len(rows)
            if len(rows) < limit:
                break
    finally:
        members.close()  # the server-side cursor, whatever stopped the loop
    digest = checksum.hexdigest()
    buffer, writer = _line_writer()
    writer.writerow([TRAILER.format(rows=rows_total, sha256=digest)])
    trailer = buffer.getvalue().encode("utf-8")
    if not _store_part(export.pk, number, trailer, 0):
        MemberExportPart.objects.filter(export_id=export.pk).delete()
        return ExportState.CANCELLED
    finished = MemberExport.objects.filter(pk=export.pk, state=ExportState.RUNNING).update(
        state=ExportState.DONE, sha256=digest, finished_at=timezone.now()
    )
    return ExportState.DONE if finished else ExportState.CANCELLED


def member_export_progress(export: MemberExport) -> dict:
    """What the progress page and its poll show, from the job row alone (no other query)."""
    now = timezone.now()
    last_sign = export.heartbeat_at or export.created_at
    stalled = (
        export.state in (ExportState.QUEUED, ExportState.RUNNING)
        and last_sign is not None
        and (now - last_sign).total_seconds() > stale_seconds()
    )
    if export.state == ExportState.DONE:
        percent = 100
    elif export.rows_expected:
        percent = min(99, export.rows_written * 100 // export.rows_expected)
    else:
        percent = 0
    if stalled:
        label = _("Stopped: no worker has written to it for a while. Start the export again.")
    else:
        label = str(ExportState(export.state).label)
    return {
        "state": export.state,
        "state_label": label,
        "percent": percent,
        "rows_written": export.rows_written,
        "rows_expected": export.rows_expected,
        "finished": export.is_finished or stalled,
        "done": export.state == ExportState.DONE,
        "stalled": stalled,
    }


def member_export_checked(export: MemberExport) -> MemberExport:
    """The job, if its file may be downloaded: finished, and every part stored with the size
    recorded. Raises ExportNotReady with what staff should do otherwise (one query)."""
    if export.state != ExportState.DONE:
        if export.state == ExportState.FAILED:
            raise ExportNotReady(
                _("This export stopped with an error, so there is no file. Start it again.")
            )
        if export.state == ExportState.CANCELLED:
            raise ExportNotReady(_("This export was stopped, so there is no file."))
        raise ExportNotReady(
            _("This export is not finished yet: wait for 100 % and download it then.")
        )
    stored = MemberExportPart.objects.filter(export=export).aggregate(
        parts=Count("pk"), size=Sum(Length("content"))
    )
    if stored["parts"] != export.parts or (stored["size"] or 0) != export.size_bytes:
        raise ExportNotReady(
            _("This export's file is not complete in storage. Start the export again.")
        )
    return export


def member_export_content(export: MemberExport):
    """The file's bytes, one part per query, in order."""
    parts = MemberExportPart.objects.filter(export=export)
    for number in range(export.parts):
        yield bytes(parts.values_list("content", flat=True).get(number=number))


def member_export_filename(export: MemberExport) -> str:
    return f"icma-members-{export.as_of_on.isoformat()}-{export.rows_written}-rows.csv"


def export_file_whole(data: bytes) -> int | None:
    """The number of members in an export file, or None when the file is not whole: its last
    line missing or cut, its checksum not that of the bytes before it, or the count not the
    rows it holds. Staff (and tests) can check a downloaded file with it."""
    end = data.rfind(b"\r\n", 0, len(data) - 2) + 2 if data.endswith(b"\r\n") else -1
    if end <= 1:
        return None
    match = TRAILER_PATTERN.match(data, end)
    if match is None:
        return None
    body = data[:end]
    if hashlib.sha256(body).hexdigest() != match.group(2).decode():
        return None
    rows = sum(1 for _row in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    return rows if rows == int(match.group(1)) else None


def member_exports_sweep(*, older_than_days: int | None = None) -> int:
    """Drop export jobs (and their files) older than MEMBER_EXPORT_KEEP_DAYS: the files hold
    members' personal data and are kept only long enough to be downloaded."""
    days = older_than_days or int(getattr(settings, "MEMBER_EXPORT_KEEP_DAYS", 2))
    cutoff = timezone.now() - dt.timedelta(days=days)
    old = MemberExport.objects.filter(created_at__lt=cutoff)
    MemberExportPart.objects.filter(export__in=old).delete()
    deleted, _counts = old.delete()
    return deleted
