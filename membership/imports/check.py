"""The dry run: every row of an export classified as new, unchanged or refused, in chunks.

The same classification drives the commit, so what the dry run promised is what the commit
does. Memory stays flat: one chunk of rows at a time, plus the ids and e-mail addresses seen
so far (to find duplicates within the file)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils import timezone

from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms
from membership.imports.columns import COLUMNS, REQUIRED, MemberRow, RowRefused, row_parse
from membership.imports.reader import header_read, rows_read
from membership.models import Member, MembershipCategory
from membership.services.dues import QuoteRefused, quote_total_cents

CHUNK_ROWS = 500
NEW, UNCHANGED, REFUSED = "new", "unchanged", "refused"


@dataclass(frozen=True)
class Verdict:
    line: int
    outcome: str
    row: MemberRow | None = None
    legacy_id: str = ""
    reason: str = ""
    email: str = ""


def header_problems(header: list[str]) -> list[str]:
    """What is wrong with the header line, so the file can be refused before any row."""
    if not header:
        return ["The file is empty or is not a CSV file."]
    problems = []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        problems.append(
            "The header line lacks the column(s) " + ", ".join(missing) + ". The first line "
            "must name the columns (see the format on this page)."
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        problems.append("The header line names a column twice: " + ", ".join(repeated) + ".")
    return problems


def columns_ignored(header: list[str], mapping: dict[str, str] | None = None) -> list[str]:
    used = set(mapping.values()) if mapping else set(COLUMNS)
    return [name for name in header if name and name not in used]


def mapping_by_name(header: list[str]) -> dict[str, str]:
    """Each expected column to the header of the same name (the header is lower case)."""
    return {column: column for column in COLUMNS if column in header}


def mapping_problems(mapping: dict[str, str], header: list[str]) -> list[str]:
    """What is wrong with a column mapping (expected column → one of the file's headers)."""
    problems = []
    missing = [column for column in REQUIRED if not mapping.get(column)]
    if missing:
        problems.append(
            "Choose the file's column for the required column(s) " + ", ".join(missing) + "."
        )
    unknown = sorted({h for h in mapping.values() if h and h not in header})
    if unknown:
        problems.append("The file has no column " + ", ".join(unknown) + ".")
    chosen: dict[str, str] = {}
    for column, name in mapping.items():
        if name and name in chosen:
            problems.append(
                f"The file's column “{name}” is chosen for both {chosen[name]} and {column}."
            )
        chosen.setdefault(name, column)
    return problems


def _positions(header: list[str], mapping: dict[str, str] | None) -> list[tuple[str, int]]:
    """(expected column, index of its cell in a row): by name, or through the mapping."""
    mapping = mapping or mapping_by_name(header)
    return [(column, header.index(name)) for column, name in mapping.items() if name in header]


class _Rules:
    """What a row is checked against, read once per run."""

    def __init__(self, today: dt.date):
        self.categories = dict(MembershipCategory.objects.values_list("code", "name"))
        schedule = dues_schedule_in_effect(on=today)
        self.terms = dues_schedule_terms(schedule=schedule) if schedule else None

    def refusal(self, row: MemberRow) -> str:
        if row.category not in self.categories:
            return (
                f"Category “{row.category}” is unknown: use one of "
                f"{', '.join(sorted(self.categories))}."
            )
        if self.terms is None:
            return ""
        try:
            quote_total_cents(
                terms=self.terms,
                category=row.category,
                position=row.position,
                salary_cents=row.salary_cents,
                population=row.population,
                budget_cents=row.budget_cents,
                allow_staff_only=True,
            )
        except QuoteRefused as refused:
            if "salary" in refused.errors and row.salary_cents is None:
                return (
                    f"Salary is missing: {self.categories[row.category]} dues for position "
                    f"“{row.position}” are a percent of salary."
                )
            return " ".join(str(m) for messages in refused.errors.values() for m in messages)
        return ""


def verdicts(
    data: bytes,
    encoding: str,
    *,
    mapping: dict[str, str] | None = None,
    today: dt.date | None = None,
) -> Iterator[list[Verdict]]:
    """The file's rows in chunks of CHUNK_ROWS verdicts, in file order. `mapping` names the
    file's header for each expected column; without it, headers are matched by name."""
    today = today or timezone.localdate()
    header = _positions(header_read(data, encoding), mapping)
    rules = _Rules(today)
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    chunk: list[tuple[int, list[str]]] = []
    for line, cells in rows_read(data, encoding):
        chunk.append((line, cells))
        if len(chunk) >= CHUNK_ROWS:
            yield _chunk_verdicts(chunk, header, rules, seen_ids, seen_emails, today)
            chunk = []
    if chunk:
        yield _chunk_verdicts(chunk, header, rules, seen_ids, seen_emails, today)


def _chunk_verdicts(chunk, header, rules, seen_ids, seen_emails, today) -> list[Verdict]:
    parsed: list[Verdict] = []
    for line, cells in chunk:
        values = {column: cells[i] if i < len(cells) else "" for column, i in header}
        try:
            row = row_parse(line, values, today=today)
        except RowRefused as refused:
            legacy_id = values.get("legacy_id", "").strip()[:40]
            email = values.get("email", "").strip()[:254]
            parsed.append(
                Verdict(line, REFUSED, legacy_id=legacy_id, reason=str(refused), email=email)
            )
            continue
        reason = ""
        if row.legacy_id in seen_ids:
            reason = f"Duplicate: line {seen_ids[row.legacy_id]} has the same legacy id."
        elif row.email in seen_emails:
            reason = f"Duplicate: line {seen_emails[row.email]} has the same e-mail address."
        seen_ids.setdefault(row.legacy_id, line)
        seen_emails.setdefault(row.email, line)
        reason = reason or rules.refusal(row)
        if reason:
            parsed.append(
                Verdict(line, REFUSED, legacy_id=row.legacy_id, reason=reason, email=row.email)
            )
        else:
            parsed.append(Verdict(line, NEW, row=row, legacy_id=row.legacy_id))
    candidates = [v.row for v in parsed if v.outcome == NEW]
    imported = set(
        Member.objects.filter(legacy_id__in=[r.legacy_id for r in candidates]).values_list(
            "legacy_id", flat=True
        )
    )
    taken = set(
        get_user_model()
        .objects.annotate(address=Lower("email"))
        .filter(address__in=[r.email for r in candidates if r.legacy_id not in imported])
        .values_list("address", flat=True)
    )
    result = []
    for verdict in parsed:
        row = verdict.row
        if row is None:
            result.append(verdict)
        elif row.legacy_id in imported:
            result.append(Verdict(verdict.line, UNCHANGED, row=row, legacy_id=row.legacy_id))
        elif row.email in taken:
            result.append(
                Verdict(
                    verdict.line,
                    REFUSED,
                    legacy_id=row.legacy_id,
                    email=row.email,
                    reason="A portal account already uses this e-mail address: correct the "
                    "address, or add the old membership to that account by hand.",
                )
            )
        else:
            result.append(verdict)
    return result
