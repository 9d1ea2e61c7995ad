"""The columns of the old system's export and the parsing of one row.

One row per member. Dates are ISO (2025-07-01) or US style (07/01/2025); amounts are dollars
("975.00", "$1,200", "1200"). `payments` holds the member's payment history: entries separated
by ";", each `date|amount|method|reference|invoice number` (the last three may be empty).
"""

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django_countries import countries

from membership.models.member import (
    MAX_BUDGET_CENTS,
    MAX_POPULATION,
    MAX_SALARY_CENTS,
    Position,
)

REQUIRED = ("legacy_id", "email", "category", "position", "term_start", "term_end")
OPTIONAL = (
    "full_name",
    "job_title",
    "employer",
    "country",
    "state",
    "population",
    "budget",
    "salary",
    "member_since",
    "status",
    "payments",
)
COLUMNS = REQUIRED + OPTIONAL
STATUSES = {"", "active", "grace", "lapsed", "expired", "cancelled"}
LEGACY_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")


@functools.cache
def _country_codes() -> frozenset[str]:
    # Listing the countries translates and sorts their names: once per process, not per row.
    return frozenset(code for code, _name in countries)


@dataclass(frozen=True)
class ImportedPaymentRow:
    paid_on: dt.date
    amount_cents: int
    method: str
    reference: str
    invoice_number: str


@dataclass(frozen=True)
class MemberRow:
    line: int
    legacy_id: str
    email: str
    full_name: str
    position: str
    job_title: str
    employer: str
    country: str
    state_province: str
    population: int | None
    budget_cents: int | None
    salary_cents: int | None
    category: str
    member_since_on: dt.date | None
    term_start_on: dt.date
    term_end_on: dt.date
    cancelled: bool
    payments: tuple[ImportedPaymentRow, ...]


class RowRefused(Exception):
    """The row cannot be imported; the message says what to fix in the file."""


def date_parse(text: str, what: str) -> dt.date:
    text = text.strip()
    try:
        match = _US_DATE.match(text)
        if match:
            month, day, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise RowRefused(
            f"{what} “{text}” is not a date: write it as YYYY-MM-DD or MM/DD/YYYY."
        ) from None


def cents_parse(text: str, what: str) -> int:
    cleaned = text.strip().replace("$", "").replace(",", "").strip()
    if not _AMOUNT.match(cleaned):
        raise RowRefused(f"{what} “{text.strip()}” is not an amount in dollars, e.g. 975.00.")
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation:  # pragma: no cover (the pattern already refuses it)
        raise RowRefused(f"{what} “{text.strip()}” is not an amount in dollars.") from None


def _int_parse(text: str, what: str, limit: int) -> int:
    cleaned = text.strip().replace(",", "")
    if not cleaned.isdigit() or int(cleaned) > limit:
        raise RowRefused(f"{what} “{text.strip()}” is not a whole number up to {limit:,}.")
    return int(cleaned)


def _payments_parse(text: str) -> tuple[ImportedPaymentRow, ...]:
    payments = []
    for number, entry in enumerate(e for e in text.split(";") if e.strip()):
        parts = [p.strip() for p in entry.split("|")]
        if len(parts) < 2 or len(parts) > 5:
            raise RowRefused(
                f"Payment {number + 1} “{entry.strip()}” needs date|amount|method|reference|"
                "invoice number."
            )
        parts += [""] * (5 - len(parts))
        paid_on = date_parse(parts[0], f"Payment {number + 1} date")
        amount = cents_parse(parts[1], f"Payment {number + 1} amount")
        if amount == 0:
            raise RowRefused(f"Payment {number + 1} has no amount.")
        payments.append(
            ImportedPaymentRow(
                paid_on=paid_on,
                amount_cents=amount,
                method=parts[2][:40],
                reference=parts[3][:100],
                invoice_number=parts[4][:60],
            )
        )
    return tuple(payments)


def row_parse(line: int, cells: dict[str, str], *, today: dt.date) -> MemberRow:
    """One row's cells by column name → a MemberRow, or RowRefused naming every problem."""
    problems: list[str] = []

    def field(name, parse):
        try:
            return parse(cells.get(name, "").strip())
        except RowRefused as refused:
            problems.append(str(refused))
            return None

    def required(value: str, what: str) -> str:
        if not value:
            raise RowRefused(f"{what} is empty.")
        return value

    def legacy(value):
        required(value, "The legacy id")
        if not LEGACY_ID.match(value):
            raise RowRefused(
                f"The legacy id “{value}” may hold only letters, digits, “.”, “_” and “-”."
            )
        return value

    def email(value):
        required(value, "The e-mail address")
        try:
            validate_email(value)
        except ValidationError:
            raise RowRefused(f"“{value}” is not an e-mail address.") from None
        return value.lower()

    def position(value):
        if value not in Position.values:
            raise RowRefused(
                f"Position “{value}” is unknown: use one of {', '.join(Position.values)}."
            )
        return value

    def country(value):
        value = value.upper() or "US"
        if value not in _country_codes():
            raise RowRefused(f"Country “{value}” is not a two-letter ISO code such as US.")
        return value

    def optional(parse):
        return lambda value: parse(value) if value else None

    def status(value):
        if value.lower() not in STATUSES:
            raise RowRefused(
                f"Status “{value}” is unknown: use active, grace, lapsed or cancelled."
            )
        return value.lower()

    legacy_id = field("legacy_id", legacy)
    email_value = field("email", email)
    position_value = field("position", position)
    category = field("category", lambda v: required(v, "The category").lower())
    population = field(
        "population", optional(lambda v: _int_parse(v, "Population", MAX_POPULATION))
    )
    budget = field("budget", optional(lambda v: cents_parse(v, "Budget")))
    salary = field("salary", optional(lambda v: cents_parse(v, "Salary")))
    since = field("member_since", optional(lambda v: date_parse(v, "Member since")))
    start = field("term_start", lambda v: date_parse(required(v, "Term start"), "Term start"))
    end = field("term_end", lambda v: date_parse(required(v, "Term end"), "Term end"))
    status_value = field("status", status)
    payments = field("payments", _payments_parse)
    country_value = field("country", country)
    if salary is not None and salary > MAX_SALARY_CENTS:
        problems.append("Salary is larger than any real salary: check for an extra digit.")
    if budget is not None and budget > MAX_BUDGET_CENTS:
        problems.append("Budget is larger than any real budget: check for an extra digit.")
    if start and end and end <= start:
        problems.append(f"Term end {end.isoformat()} is not after term start {start.isoformat()}.")
    if since and since > today:
        problems.append(f"Member since {since.isoformat()} is in the future.")
    if since and start and since > start:
        problems.append(
            f"Member since {since.isoformat()} is after the term start {start.isoformat()}."
        )
    if problems:
        raise RowRefused(" ".join(problems))
    return MemberRow(
        line=line,
        legacy_id=legacy_id,
        email=email_value,
        full_name=cells.get("full_name", "").strip()[:200],
        position=position_value,
        job_title=cells.get("job_title", "").strip()[:200],
        employer=cells.get("employer", "").strip()[:200],
        country=country_value,
        state_province=cells.get("state", "").strip()[:100],
        population=population,
        budget_cents=budget,
        salary_cents=salary,
        category=category,
        member_since_on=since,
        term_start_on=start,
        term_end_on=end,
        cancelled=status_value == "cancelled",
        payments=payments,
    )
