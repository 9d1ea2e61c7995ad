"""Read-only queries behind the membership staff screens (search, a member's file, export)."""

import datetime as dt
from dataclasses import asdict, dataclass, fields

from django.db.models import CharField, F, Func, Lookup, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceStatus, Payment
from membership.json_rows import instance_from_json, json_rows, json_value
from membership.models import (
    Member,
    MembershipCategory,
    MembershipRules,
    MembershipTerm,
    Status,
    TermStatus,
    WaiverRequest,
    WaiverStatus,
    status_from_dates,
)
from membership.models.lifecycle import CLOSED_STATUSES
from membership.models.member import parse_member_number
from membership.permissions import invoice_check, member_data_check
from membership.selectors import member_by_number, membership_status_on

# Statuses that do not depend on the date: read as stored when nothing has been paid yet.
UNDATED_STATUSES = (Status.PENDING, Status.CANCELLED, Status.REFUNDED)


@dataclass(frozen=True)
class MemberFilters:
    """The member search's filters; a bulk-mail segment is saved as these (`as_dict`)."""

    query: str = ""
    status: str = ""
    category: str = ""
    # Paid-through date from today to today + N days: the renewal falls due in that window.
    renewal_within_days: int | None = None
    country: str = ""
    state: str = ""
    employer: str = ""
    # Only members with an active profile in the expert pool.
    expert_pool: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MemberFilters":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


def members_search(*, filters: MemberFilters, on: dt.date, grace_days: int) -> QuerySet:
    """Members matching a name, e-mail, employer or member number, narrowed by status and
    category, with their membership's columns annotated (no query per row).

    The status filter reads the paid-through date, so it agrees with the status shown on
    every page even on a day the daily job has not yet brought stored statuses up to date."""
    members = Member.objects.select_related("user").annotate(
        stored_status=F("membership__status"),
        paid_through_on=F("membership__paid_through_on"),
        member_since_on=F("membership__member_since_on"),
        category_code=F("membership__category__code"),
        category_name=F("membership__category__name"),
    )
    text = filters.query.strip()
    if text:
        members = members.filter(_text_match(text))
    if filters.status:
        members = members.filter(_status_condition(filters.status, on=on, grace_days=grace_days))
    if filters.category:
        members = members.filter(membership__category__code=filters.category)
    if filters.renewal_within_days is not None:
        members = members.filter(
            membership__paid_through_on__gte=on,
            membership__paid_through_on__lte=on + dt.timedelta(days=filters.renewal_within_days),
        )
    if filters.country:
        members = members.filter(country=filters.country)
    if filters.state.strip():
        members = members.filter(state_province__iexact=filters.state.strip())
    if filters.employer.strip():
        employer = filters.employer.strip()
        # The search column narrows through its index; the employer column decides.
        members = members.filter(_contains(employer), employer__icontains=employer)
    if filters.expert_pool:
        members = members.filter(expert_profile__status="active")
    return members.order_by("full_name", "pk")


class _SortedNotWalked(Func):
    """The column as is, under an expression no index matches: PostgreSQL sorts the matches
    instead of walking the name index in order looking for them."""

    template = "(%(expressions)s || '')"
    output_field = CharField()


def order_search_page(members: QuerySet, *, more_than_cap: bool) -> QuerySet:
    """The order of a page of a text search, chosen by how many members it matched.

    Up to the list's cap, by name, sorted from the matches the trigram index finds (a walk of
    the name index in order can read most of the table when the matches sit late in the
    alphabet, as every "Maria …" does). Above it, by member number: PostgreSQL walks the primary
    key and stops at the page's last row, where a sort by name would read every match first."""
    if more_than_cap:
        return members.order_by("pk")
    return members.order_by(_SortedNotWalked("full_name"), "pk")


def _text_match(text: str):
    """What a search term matches, by its shape, each through an index on PostgreSQL:
    a member number (`M-004211`, `m4211`, `4211`) that member only; a term with an `@` the
    e-mails that start with it, in any case (a whole address, or its start up to the `@`);
    anything else part of the name or of the employer, in any case."""
    pk = parse_member_number(text)
    if pk is not None:
        return Q(pk=pk)
    if "@" in text:
        return Q(user__email__istartswith=text)
    return _contains(text)


class _ContainsIgnoringCase(Lookup):
    """`field ILIKE '%term%'` on PostgreSQL, which a pg_trgm index serves (Django's
    `icontains` compares `UPPER(field)`, which it does not); `LIKE` elsewhere, which SQLite
    already compares without case (ASCII letters), as `icontains` does there."""

    lookup_name = "contains_ignoring_case"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "%s", [f"%{escaped}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


def _contains(text: str) -> _ContainsIgnoringCase:
    return _ContainsIgnoringCase(F("search_text"), text)


def _status_condition(status: str, *, on: dt.date, grace_days: int) -> Q:
    grace_start = on - dt.timedelta(days=grace_days)
    if status == Status.ACTIVE:
        return Q(membership__paid_through_on__gt=on)
    if status == Status.GRACE:
        return Q(membership__paid_through_on__gt=grace_start, membership__paid_through_on__lte=on)
    if status == Status.LAPSED:
        return Q(membership__paid_through_on__lte=grace_start)
    if status in UNDATED_STATUSES:
        return Q(membership__paid_through_on__isnull=True, membership__status=status)
    if status == Status.NONE:
        return Q(membership__isnull=True) | Q(
            membership__paid_through_on__isnull=True, membership__status=Status.NONE
        )
    return Q(pk__in=[])


def row_status(*, stored_status, paid_through_on, on: dt.date, grace_days: int) -> str:
    """The status of a search or export row, computed from its dates like everywhere else."""
    return status_from_dates(
        paid_through_on=paid_through_on,
        on=on,
        grace_days=grace_days,
        has_pending=stored_status == Status.PENDING,
        closed_status=stored_status if stored_status in CLOSED_STATUSES else None,
    )


def member_categories() -> QuerySet:
    return MembershipCategory.objects.order_by("sort_order", "name")


def grace_days_now() -> int:
    return MembershipRules.current().grace_days


@dataclass
class MemberFile:
    """Everything the staff member page shows, read in a fixed number of queries."""

    member: Member
    membership: object
    status: str
    terms: list
    invoices: list
    payments: list
    waivers: list

    @property
    def open_invoice(self):
        return next((i for i in self.invoices if i.status == InvoiceStatus.OPEN), None)

    @property
    def is_life_member(self) -> bool:
        return (
            self.membership is not None
            and self.membership.category is not None
            and self.membership.category.code == "life"
            and self.status == Status.ACTIVE
        )

    @property
    def pending_term(self):
        return next((t for t in self.terms if t.status == TermStatus.PENDING), None)

    @property
    def pending_waiver(self):
        return next((w for w in self.waivers if w.status == WaiverStatus.REQUESTED), None)


def member_for_staff(*, member_number: str, user) -> Member:
    """The member for a staff screen, if `user` may see their data (`member_data_visible`)."""
    member = member_by_number(member_number=member_number, related=("user", "membership__category"))
    member_data_check(user=user, member=member)
    return member


def _waivers_column():
    """Every waiver request of the member, with the e-mail of whoever decided it, as a JSON
    column of the member's row."""
    names = [f.attname for f in WaiverRequest._meta.concrete_fields]
    return json_rows(
        WaiverRequest.objects.filter(member=OuterRef("pk")),
        *names,
        decided_by_email=F("decided_by__email"),
    )


def _waivers_from_column(value) -> list[WaiverRequest]:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    waivers = []
    for data in json_value(value) or []:
        email = data.pop("decided_by_email", None)
        waiver = instance_from_json(WaiverRequest, data)
        waiver.decided_by = (
            None if waiver.decided_by_id is None else User(pk=waiver.decided_by_id, email=email)
        )
        waivers.append(waiver)
    # The model's order, newest request first.
    waivers.sort(key=lambda w: (w.requested_at, w.pk), reverse=True)
    return waivers


def member_file(*, member_number: str, on: dt.date, user) -> tuple[MemberFile, MembershipRules]:
    """The staff member page's file, and the rules it was read with. The member's row brings
    the rules and the waiver requests along as JSON columns; the terms, invoices and payments
    are a query each."""
    member = member_by_number(
        member_number=member_number,
        related=("user", "membership__category"),
        annotations={"rules_row": MembershipRules.column(), "waivers_rows": _waivers_column()},
    )
    member_data_check(user=user, member=member)
    rules = MembershipRules.from_column(member.rules_row)
    membership = getattr(member, "membership", None)
    terms: list = []
    status = Status.NONE
    if membership is not None:
        terms = list(
            MembershipTerm.objects.filter(membership=membership).select_related("category")
        )
        status = membership_status_on(membership=membership, on=on, rules=rules, terms=terms)
    # The page shows each invoice's installment count, not its installments.
    invoices = list(Invoice.objects.filter(member=member).select_related("group"))
    payments = list(
        Payment.objects.filter(invoice__member=member)
        .select_related("invoice", "recorded_by")
        .order_by("-created_at", "-id")
    )
    file = MemberFile(
        member=member,
        membership=membership,
        status=status,
        terms=terms,
        invoices=invoices,
        payments=payments,
        waivers=_waivers_from_column(member.waivers_rows),
    )
    return file, rules


def invoice_for_staff(*, number: str, user) -> Invoice:
    """The invoice for a staff screen, if `user` may see it (`invoice_visible`)."""
    invoice = (
        Invoice.objects.select_related("member__user", "term__category", "closed_by", "group")
        .filter(number=number.strip().upper())
        .first()
    )
    if invoice is None:
        raise Http404
    invoice_check(user=user, invoice=invoice)
    return invoice


def waivers_pending() -> QuerySet:
    return (
        WaiverRequest.objects.filter(status=WaiverStatus.REQUESTED)
        .select_related("member__user", "member__membership")
        .order_by("requested_at", "pk")
    )


EXPORT_COLUMNS = (
    "pk",
    "full_name",
    "user__email",
    "position",
    "employer",
    "country",
    "state_province",
    "membership__category__name",
    "membership__status",
    "membership__paid_through_on",
    "membership__member_since_on",
)


def members_export_rows(*, filters: MemberFilters, on: dt.date, grace_days: int, chunk_size: int):
    """Plain tuples in `EXPORT_COLUMNS` order, in member-id order, fetched `chunk_size` at a
    time through a server-side cursor, so an export of every member never holds them all in
    memory. (Keyset pages were tried: with the memberships left-joined, PostgreSQL merge-joins
    each page from the first membership, so every page costs more than the one before.)"""
    members = members_search(filters=filters, on=on, grace_days=grace_days)
    return members.order_by("pk").values_list(*EXPORT_COLUMNS).iterator(chunk_size=chunk_size)


@dataclass(frozen=True)
class StaffChangeRow:
    """One change staff made to a member's profile, for the staff member page."""

    at: dt.datetime
    action: str
    who: str
    changes: list  # (field label, old, new) as staff read them


def staff_changes(*, member: Member, limit: int = 20) -> list[StaffChangeRow]:
    """The latest changes membership staff made to the member's account and facts, newest
    first, in one query. Money as dollars, choices by label; the salary's amounts were never
    kept (membership/services/staff_members.py)."""
    from membership.models import AuditEntry
    from membership.money import format_cents
    from membership.services.staff_members import CONFIDENTIAL, STAFF_CREATE, STAFF_UPDATE

    entries = AuditEntry.objects.filter(
        object_type="membership.member",
        object_id=str(member.pk),
        action__in=[STAFF_CREATE, STAFF_UPDATE],
    ).select_related("actor")[:limit]

    def shown(name, value):
        if value is None or value == "":
            return "—"
        if value == CONFIDENTIAL:
            return str(_("changed (amount not recorded)"))
        if name.endswith("_cents"):
            return format_cents(int(value))
        field = Member._meta.get_field(name)
        if name == "country":
            from django_countries import countries

            return countries.name(value) or value
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if name == "population":
            return f"{int(value):,}"
        return str(value)

    def label(name):
        return capfirst(str(Member._meta.get_field(name).verbose_name).removesuffix(" (cents)"))

    return [
        StaffChangeRow(
            at=entry.at,
            action=str(_("account opened") if entry.action == STAFF_CREATE else _("changed")),
            who=(entry.actor.email if entry.actor else entry.actor_repr) or str(_("system")),
            changes=[
                # A confidential figure has no old value to strike through.
                (label(name), "—" if old == CONFIDENTIAL else shown(name, old), shown(name, new))
                for name, (old, new) in entry.changes.items()
            ],
        )
        for entry in entries
    ]
