"""Upload and dry run, commit, and the claim e-mails of a member import."""

import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from membership.history import SOURCE_MEMBER_IMPORT, history_context
from membership.imports.check import (
    NEW,
    REFUSED,
    UNCHANGED,
    columns_ignored,
    header_problems,
    mapping_by_name,
    mapping_problems,
)
from membership.imports.check import verdicts as verdicts_of
from membership.imports.columns import COLUMNS, REQUIRED
from membership.imports.reader import (
    XLSX,
    UnreadableFile,
    encoding_detect,
    header_read,
    looks_like_workbook,
)
from membership.models import (
    ImportedPayment,
    ImportSource,
    ImportState,
    Member,
    MemberImport,
    Membership,
    MembershipCategory,
    MembershipRules,
    MembershipTerm,
    TermKind,
    TermStatus,
    status_from_dates,
)
from membership.tasks import member_import_commit_task

logger = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The whole file is refused (too large, not CSV, columns missing); nothing was kept."""


def import_max_bytes() -> int:
    return settings.MEMBER_IMPORT_MAX_BYTES


def member_import_upload(
    *, filename: str, data: bytes, user, source_name: str = ""
) -> MemberImport:
    """Keep the file and run the dry run: every row classified, nothing but the import row
    itself created. When the headers are not our column names (or the source's saved mapping
    differs from them), the import waits for staff to map its columns first. A file refused
    as a whole is not kept."""
    if len(data) > import_max_bytes():
        raise ImportRefused(
            f"The file is {len(data):,} bytes; the limit is {import_max_bytes():,}. Split the "
            "export into smaller files and import them one after the other."
        )
    encoding = XLSX if looks_like_workbook(data, filename) else encoding_detect(data)
    source_name = source_name.strip()[:100]
    try:
        header = header_read(data, encoding)
    except UnreadableFile as unreadable:
        raise ImportRefused(str(unreadable)) from None
    problems = header_problems(header)
    named = [name for name in header if name]
    mappable = len(set(named)) >= len(REQUIRED) and not any(named.count(name) > 1 for name in named)
    saved = _saved_mapping(source_name, header)
    needs_mapping = mappable and (problems or (saved and saved != mapping_by_name(header)))
    if problems and not needs_mapping:
        raise ImportRefused(" ".join(problems))
    member_import = MemberImport(
        filename=filename[:200],
        content=data,
        size=len(data),
        encoding=encoding,
        source_name=source_name,
        state=ImportState.MAPPING if needs_mapping else ImportState.CHECKED,
        uploaded_by=user,
    )
    if not needs_mapping:
        _dry_run_or_refuse(member_import, data)
    member_import.save()
    return member_import


def _saved_mapping(source_name: str, header: list[str]) -> dict[str, str]:
    """The source's mapping from last time, keeping only the headers this file has."""
    if not source_name:
        return {}
    source = ImportSource.objects.filter(name__iexact=source_name).first()
    if source is None:
        return {}
    return {c: h for c, h in source.mapping.items() if c in COLUMNS and h in header}


def member_import_header(member_import: MemberImport) -> list[str]:
    return header_read(bytes(member_import.content), member_import.encoding)


def member_import_mapping_offered(member_import: MemberImport, header: list[str]) -> dict:
    """The mapping preselected on the mapping page: the one saved last time for the same
    source, and headers of the same name for the columns it does not cover (the header is
    read in lower case)."""
    return mapping_by_name(header) | _saved_mapping(member_import.source_name, header)


def member_import_map(
    *, member_import: MemberImport, mapping: dict[str, str], source_name: str
) -> list[str]:
    """Apply staff's column mapping: refused (the problems returned, nothing changed) when a
    required column has no header; else saved for the source and the dry run done."""
    data = bytes(member_import.content)
    header = header_read(data, member_import.encoding)
    mapping = {c: h for c, h in mapping.items() if c in COLUMNS and h}
    problems = mapping_problems(mapping, header)
    if problems:
        return problems
    source_name = source_name.strip()[:100]
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.state != ImportState.MAPPING:
            return ["The columns of this import are already mapped."]
        locked.mapping = mapping
        locked.source_name = source_name
        locked.state = ImportState.CHECKED
        try:
            _dry_run_or_refuse(locked, data)
        except ImportRefused as refused:
            return [str(refused)]
        locked.save()
        if source_name:
            source = ImportSource.objects.filter(name__iexact=source_name).first()
            source = source or ImportSource(name=source_name)
            source.mapping = mapping
            source.save()
    member_import.refresh_from_db()
    return []


def _dry_run_or_refuse(member_import: MemberImport, data: bytes) -> None:
    try:
        _dry_run(member_import, data)
    except UnreadableFile as unreadable:
        raise ImportRefused(str(unreadable)) from None


def _dry_run(member_import: MemberImport, data: bytes) -> None:
    counts = {NEW: 0, UNCHANGED: 0, REFUSED: 0}
    problems, payments, payments_cents = [], 0, 0
    for chunk in verdicts_of(data, member_import.encoding, mapping=member_import.mapping):
        for verdict in chunk:
            counts[verdict.outcome] += 1
            if verdict.outcome == REFUSED:
                problems.append(
                    {
                        "line": verdict.line,
                        "legacy_id": verdict.legacy_id,
                        "email": verdict.email,
                        "reason": verdict.reason,
                    }
                )
            elif verdict.outcome == NEW:
                payments += len(verdict.row.payments)
                payments_cents += sum(p.amount_cents for p in verdict.row.payments)
    member_import.rows_total = sum(counts.values())
    member_import.rows_new = counts[NEW]
    member_import.rows_unchanged = counts[UNCHANGED]
    member_import.rows_refused = counts[REFUSED]
    member_import.payments_new = payments
    member_import.payments_new_cents = payments_cents
    member_import.problems = problems


def member_import_ignored_columns(member_import: MemberImport) -> list[str]:
    data = bytes(member_import.content)
    return columns_ignored(header_read(data, member_import.encoding), member_import.mapping)


def member_import_commit(*, member_import: MemberImport, user) -> bool:
    """Queue the commit after the dry run. Returns False when it is already queued or running.
    A finished or failed import may be committed again: rows already imported are skipped."""
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.state in (ImportState.QUEUED, ImportState.RUNNING, ImportState.MAPPING):
            return False
        locked.state = ImportState.QUEUED
        locked.committed_by = user
        locked.rows_done = 0
        locked.error = ""
        locked.finished_at = None
        locked.save(update_fields=["state", "committed_by", "rows_done", "error", "finished_at"])
        transaction.on_commit(lambda: member_import_commit_task.delay(locked.pk))
    return True


def member_import_run(*, import_id: int) -> None:
    """The commit: each chunk of rows is one transaction, so a member is imported whole or
    not at all, and a stopped run resumes by running again (imported legacy ids are skipped).
    Every failure is recorded on the import row."""
    member_import = MemberImport.objects.get(pk=import_id)
    if member_import.state in (ImportState.DONE, ImportState.MAPPING):
        return
    MemberImport.objects.filter(pk=import_id).update(
        state=ImportState.RUNNING, started_at=timezone.now(), rows_done=0
    )
    data = bytes(member_import.content)
    try:
        with history_context(source=SOURCE_MEMBER_IMPORT, member_import=import_id):
            _commit(member_import, data)
    except Exception as error:
        logger.exception("Member import %s stopped", import_id)
        MemberImport.objects.filter(pk=import_id).update(
            state=ImportState.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    MemberImport.objects.filter(pk=import_id).update(
        state=ImportState.DONE, finished_at=timezone.now()
    )


def _commit(member_import: MemberImport, data: bytes) -> None:
    categories = dict(MembershipCategory.objects.values_list("code", "pk"))
    rules = MembershipRules.current()
    done = 0
    for chunk in verdicts_of(data, member_import.encoding, mapping=member_import.mapping):
        rows = [v.row for v in chunk if v.outcome == NEW]
        created, paid, paid_cents = _chunk_import(member_import, rows, categories, rules)
        done += len(chunk)
        MemberImport.objects.filter(pk=member_import.pk).update(
            rows_done=done,
            members_created=F("members_created") + created,
            payments_created=F("payments_created") + paid,
            payments_created_cents=F("payments_created_cents") + paid_cents,
        )


@transaction.atomic
def _chunk_import(member_import, rows, categories, rules) -> tuple[int, int, int]:
    """Create users, addresses, members, memberships, terms and imported payments for one
    chunk, in bulk. Rows whose legacy id arrived meanwhile (a parallel run) are skipped."""
    if not rows:
        return 0, 0, 0
    taken = set(
        Member.objects.select_for_update()
        .filter(legacy_id__in=[r.legacy_id for r in rows])
        .values_list("legacy_id", flat=True)
    )
    rows = [r for r in rows if r.legacy_id not in taken]
    if not rows:
        return 0, 0, 0
    now = timezone.now()
    today = timezone.localdate()
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(
                username=f"legacy-{r.legacy_id}".lower()[:150],
                email=r.email,
                # No password until the member claims the account through the e-mailed link.
                password=make_password(None),
                is_active=True,
            )
            for r in rows
        ]
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=u, email=r.email, verified=False, primary=True)
            for u, r in zip(users, rows, strict=True)
        ]
    )
    members = Member.objects.bulk_create(
        [
            Member(
                user=u,
                legacy_id=r.legacy_id,
                member_import=member_import,
                full_name=r.full_name,
                position=r.position,
                job_title=r.job_title,
                employer=r.employer,
                country=r.country,
                state_province=r.state_province,
                population=r.population,
                general_fund_budget_cents=r.budget_cents,
                annual_salary_cents=r.salary_cents,
            )
            for u, r in zip(users, rows, strict=True)
        ]
    )
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                member=m,
                member_since_on=r.member_since_on or r.term_start_on,
                paid_through_on=None if r.cancelled else r.term_end_on,
                status="cancelled"
                if r.cancelled
                else status_from_dates(
                    paid_through_on=r.term_end_on, on=today, grace_days=rules.grace_days
                ),
                category_id=categories[r.category],
            )
            for m, r in zip(members, rows, strict=True)
        ]
    )
    MembershipTerm.objects.bulk_create(
        [
            MembershipTerm(
                membership=ms,
                category_id=categories[r.category],
                kind=TermKind.JOIN
                if (r.member_since_on or r.term_start_on) >= r.term_start_on
                else TermKind.RENEWAL,
                status=TermStatus.CANCELLED if r.cancelled else TermStatus.ACTIVE,
                start_on=r.term_start_on,
                end_on=r.term_end_on,
                reason=f"Imported from the old system (legacy id {r.legacy_id}).",
                activated_at=now,
            )
            for ms, r in zip(memberships, rows, strict=True)
        ]
    )
    payments = [
        ImportedPayment(
            member=m,
            member_import=member_import,
            paid_on=p.paid_on,
            amount_cents=p.amount_cents,
            method=p.method,
            reference=p.reference,
            invoice_number=p.invoice_number,
        )
        for m, r in zip(members, rows, strict=True)
        for p in r.payments
    ]
    ImportedPayment.objects.bulk_create(payments, batch_size=1000)
    return len(members), len(payments), sum(p.amount_cents for p in payments)


def member_import_problems_page(member_import: MemberImport, *, page: int, per_page: int = 100):
    problems = member_import.problems or []
    start = (page - 1) * per_page
    return problems[start : start + per_page]


def imported_members(member_import: MemberImport):
    return Member.objects.filter(member_import=member_import)


def claim_counts(member_import: MemberImport) -> dict[str, int]:
    members = imported_members(member_import)
    return {
        "imported": members.count(),
        "sent": members.filter(claim_sent_at__isnull=False).count(),
        "claimed": members.filter(user__last_login__isnull=False).count(),
    }
