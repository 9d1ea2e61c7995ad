"""A realistic export of the old membership system, for the import's tests and benchmark.

Rows follow a fixed pattern (no randomness): most are good members (active, in grace or
lapsed, with one or two past payments), and every 50 rows hold one of each problem the dry
run must refuse. `Expected` counts what the import must make of the file."""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

NAMES = ("José Álvarez", "Renée Müller", "Zoë O’Brien", "Françoise Niño", "Chris Park")
GOOD_KINDS = (
    # category, position, salary dollars or None
    ("full", "cao", 150_000),
    ("full", "acao", 120_000),
    ("affiliate", "department_head", None),
    ("student", "student", None),
    ("retired", "retired", None),
)
HEADER = [
    "legacy_id", "email", "full_name", "position", "job_title", "employer", "country", "state",
    "population", "budget", "salary", "category", "member_since", "term_start", "term_end",
    "status", "payments",
]  # fmt: skip


@dataclass
class Expected:
    rows: int = 0
    new: int = 0
    refused_lines: dict = field(default_factory=dict)  # line → the kind of problem
    payments: int = 0
    payments_cents: int = 0
    by_status: dict = field(default_factory=lambda: {"active": 0, "grace": 0, "lapsed": 0})
    emails: list = field(default_factory=list)


def export_build(
    count: int,
    *,
    today: dt.date,
    encoding: str = "utf-8",
    start: int = 0,
    duplicate_emails: tuple[str, ...] = (),
) -> tuple[bytes, Expected]:
    """`count` rows with legacy ids from `start`. `duplicate_emails`: addresses already in the
    portal (from an earlier file), reused by one row each with a new legacy id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    expected = Expected()
    reused = list(duplicate_emails)
    previous_id = None
    for i in range(count):
        line = i + 2
        n = start + i
        legacy_id = f"OLD{n:07d}"
        category, position, salary = GOOD_KINDS[n % len(GOOD_KINDS)]
        email = f"member{n}@example.org"
        # Terms end from 200 days ago to 300 days ahead: lapsed, in grace and active.
        end = today + dt.timedelta(days=(n * 37) % 500 - 200)
        begin = end.replace(year=end.year - 1)
        since = begin.replace(year=begin.year - (n % 12))
        amount_cents = 97_500 if salary == 150_000 else 78_000 if salary else 15_000 + n % 7 * 100
        payments = f"{begin.isoformat()}|{amount_cents / 100:.2f}|cheque|CHQ{n}|INV-{n}"
        payment_cents, payment_count = amount_cents, 1
        if n % 3 == 0:
            earlier = begin.replace(year=begin.year - 1)
            payments += f";{earlier.strftime('%m/%d/%Y')}|${amount_cents / 100:,.2f}|card||"
            payment_cents, payment_count = payment_cents * 2, 2
        row = {
            "legacy_id": legacy_id,
            "email": email,
            "full_name": f"{NAMES[n % len(NAMES)]} {n}",
            "position": position,
            "job_title": "City Manager" if position == "cao" else "Staff",
            "employer": "Ville de Québec" if n % 4 == 0 else "City of Springfield",
            "country": "CA" if n % 4 == 0 else "US",
            "state": "QC" if n % 4 == 0 else "IL",
            "population": str(52_000 + n),
            "budget": "61,500,000.00",
            "salary": f"{salary:,}" if salary else "",
            "category": category,
            "member_since": since.isoformat(),
            "term_start": begin.isoformat(),
            "term_end": end.isoformat(),
            "status": "active" if end > today else "lapsed",
            "payments": payments,
        }
        problem = None
        kind = i % 50
        if kind == 7 and previous_id:
            row["legacy_id"], problem = previous_id, "duplicate"
        elif kind == 13:
            row.update(category="full", position="cao", salary=""), None
            problem = "salary"
        elif kind == 21:
            row["category"], problem = "platinum", "category"
        elif kind == 29:
            row["term_end"], problem = "31/31/2024", "date"
        elif kind == 37:
            row["payments"], problem = f"{begin.isoformat()}|12,34x|cheque||", "amount"
        elif kind == 43 and reused:
            row["email"], problem = reused.pop(), "existing"
        previous_id = row["legacy_id"]
        writer.writerow([row[name] for name in HEADER])
        expected.rows += 1
        if problem:
            expected.refused_lines[line] = problem
            continue
        expected.new += 1
        expected.emails.append(email)
        expected.payments += payment_count
        expected.payments_cents += payment_cents
        grace_end = end + dt.timedelta(days=60)
        status = "active" if today < end else "grace" if today < grace_end else "lapsed"
        expected.by_status[status] += 1
    text = out.getvalue()
    data = text.encode(encoding)
    return data, expected


# Another system's names for some of the columns (an "iMIS export"), for the mapping step.
RENAMED = {
    "legacy_id": "Member ID",
    "email": "E-Mail Address",
    "full_name": "Name",
    "category": "Member Type",
    "term_start": "Paid From",
    "term_end": "Paid Thru",
}


def headers_renamed(data: bytes, renames: dict[str, str] = RENAMED) -> bytes:
    """The same export with some header names replaced (the rows are untouched)."""
    header, rest = data.split(b"\r\n", 1)
    names = [renames.get(name, name) for name in header.decode().split(",")]
    return ",".join(names).encode() + b"\r\n" + rest
