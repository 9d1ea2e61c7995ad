"""The history of a member's money and lifecycle rows, for the staff member page.

The rows come from django-pghistory's event tables (one per tracked model, filled by
PostgreSQL triggers). One query reads a page of them across the five tables, each row with
the snapshot before it so the page can say what changed, and the e-mail of who changed it.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, F, Func, OuterRef, Subquery, Value
from django.db.models.fields import CharField
from django.db.models.functions import JSONObject
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from membership.history import SOURCE_LABELS, history_is_recorded
from membership.money import format_cents

HISTORY_PER_PAGE = 50
EMPTY = "—"

# Foreign keys shown by a name rather than an id: the JSON key gets the related value.
_NAMED_RELATIONS = {
    "category": "category__name",
    "closed_by": "closed_by__email",
    "recorded_by": "recorded_by__email",
    "created_by": "created_by__email",
}


# Shorter names than the form labels, and the payment page's words for the gateways.
_FIELD_NAMES = {"reference": gettext_lazy("Reference"), "gateway": gettext_lazy("Method")}
_GATEWAY_NAMES = {"offline": gettext_lazy("Cheque"), "stripe": gettext_lazy("Card (Stripe)")}


@dataclass(frozen=True)
class _Tracked:
    app_label: str
    event_model_name: str
    label: str
    # The lookup from an event row to the member's id.
    member_lookup: str
    # The lookup to the invoice number the row belongs to, if any.
    invoice_number_lookup: str | None
    # The fields a change of which is shown, in order; and those summed up on creation.
    shown: tuple[str, ...]
    on_create: tuple[str, ...]

    @property
    def event_model(self):
        return apps.get_model(self.app_label, self.event_model_name)

    @property
    def tracked_model(self):
        return self.event_model.pgh_tracked_model


TRACKED = (
    _Tracked(
        "membership",
        "MembershipEvent",
        gettext_lazy("Membership"),
        "member_id",
        None,
        shown=("status", "paid_through_on", "member_since_on", "category", "waived_months"),
        on_create=("status",),
    ),
    _Tracked(
        "membership",
        "MembershipTermEvent",
        gettext_lazy("Term"),
        "membership__member_id",
        None,
        shown=(
            "kind",
            "status",
            "start_on",
            "end_on",
            "ended_early_on",
            "category",
            "reason",
            "created_by",
        ),
        on_create=("kind", "status", "category"),
    ),
    _Tracked(
        "billing",
        "InvoiceEvent",
        gettext_lazy("Invoice"),
        "member_id",
        "number",
        shown=(
            "status",
            "total_cents",
            "paid_cents",
            "installment_count",
            "due_on",
            "paid_at",
            "closed_at",
            "close_reason",
            "closed_by",
        ),
        on_create=("kind", "total_cents", "due_on", "status"),
    ),
    _Tracked(
        "billing",
        "PaymentEvent",
        gettext_lazy("Payment"),
        "invoice__member_id",
        "invoice__number",
        shown=(
            "state",
            "amount_cents",
            "reference",
            "received_on",
            "is_overpayment",
            "confirmed_at",
            "note",
            "recorded_by",
        ),
        on_create=("gateway", "amount_cents", "reference", "state", "recorded_by"),
    ),
    _Tracked(
        "billing",
        "RefundEvent",
        gettext_lazy("Refund"),
        "payment__invoice__member_id",
        "payment__invoice__number",
        shown=("amount_cents", "reason", "term_cancelled", "stripe_refund_id", "created_by"),
        on_create=("amount_cents", "reason", "term_cancelled", "created_by"),
    ),
)
_BY_NAME = {t.event_model_name: t for t in TRACKED}


@dataclass(frozen=True)
class Change:
    field: str
    old: str  # "" on a creation: there was no before
    new: str

    @property
    def was_empty(self) -> bool:
        return self.old == EMPTY


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    what: str  # "Invoice INV-2026-000001", "Payment 12 (INV-…)"
    action: str  # "created", "changed", "deleted"
    changes: tuple[Change, ...]
    who: str


@dataclass
class HistoryPage:
    entries: list[HistoryEntry] = field(default_factory=list)
    number: int = 1
    has_older: bool = False
    recorded: bool = True

    @property
    def older_number(self) -> int:
        return self.number + 1

    @property
    def newer_number(self) -> int | None:
        return self.number - 1 if self.number > 1 else None


def _snapshot(tracked: _Tracked) -> JSONObject:
    """The tracked columns of an event row as one JSON object, relations by name."""
    keys = {}
    for event_field in tracked.event_model._meta.concrete_fields:
        if event_field.name.startswith("pgh_"):
            continue
        if event_field.name in _NAMED_RELATIONS:
            keys[event_field.name] = F(_NAMED_RELATIONS[event_field.name])
        else:
            keys[event_field.name] = F(event_field.attname)
    return JSONObject(**keys)


class _UserIdOf(Func):
    """The context's `user` as a user id when it is a whole number (how the portal records
    it), else NULL: another value names no one and must not make the page fail."""

    template = (
        "CASE WHEN (%(expressions)s ->> 'user') ~ '^[0-9]{1,18}$' "
        "THEN (%(expressions)s ->> 'user')::bigint END"
    )
    output_field = BigIntegerField()


def _events_of(tracked: _Tracked, member_id: int):
    event_model = tracked.event_model
    previous = (
        event_model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
        .order_by("-pgh_id")
        .values(snapshot=_snapshot(tracked))[:1]
    )
    number = (
        F(tracked.invoice_number_lookup)
        if tracked.invoice_number_lookup
        else Value("", output_field=CharField())
    )
    return (
        event_model.objects.filter(**{tracked.member_lookup: member_id})
        .order_by()
        .annotate(
            h_model=Value(tracked.event_model_name, output_field=CharField()),
            h_invoice=number,
            h_data=_snapshot(tracked),
            h_prev=Subquery(previous),
            h_context=F("pgh_context__metadata"),
            h_user_id=_UserIdOf(F("pgh_context__metadata")),
        )
        .annotate(
            h_who=Subquery(
                get_user_model().objects.filter(pk=OuterRef("h_user_id")).values("email")[:1]
            ),
        )
        .values(
            "pgh_id",
            "pgh_created_at",
            "pgh_label",
            "pgh_obj_id",
            "h_model",
            "h_invoice",
            "h_data",
            "h_prev",
            "h_context",
            "h_who",
        )
    )


def history_page_number(value) -> int:
    """The `?history=` page asked for; anything that is not a page number is the first."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def member_history(*, member, page: int = 1) -> HistoryPage:
    """A page of the changes to the member's membership, terms, invoices, payments and
    refunds, newest first, with the e-mail of whoever made each change: one query."""
    if not history_is_recorded():
        return HistoryPage(number=page, recorded=False)
    first, *rest = (_events_of(tracked, member.pk) for tracked in TRACKED)
    offset = (page - 1) * HISTORY_PER_PAGE
    rows = list(
        first.union(*rest, all=True).order_by("-pgh_created_at", "-pgh_id")[
            offset : offset + HISTORY_PER_PAGE + 1
        ]
    )
    has_older = len(rows) > HISTORY_PER_PAGE
    rows = rows[:HISTORY_PER_PAGE]
    return HistoryPage(entries=[_entry(row) for row in rows], number=page, has_older=has_older)


def _context(row) -> dict:
    context = row["h_context"]
    if isinstance(context, str):
        context = json.loads(context)
    return context or {}


def _who(context: dict, email: str | None) -> str:
    user_id = context.get("user")
    if user_id is not None:
        return email or _("user #%(id)s (removed)") % {"id": user_id}
    source = context.get("source")
    if source:
        return str(SOURCE_LABELS.get(source, source))
    return _("system")


def _entry(row) -> HistoryEntry:
    tracked = _BY_NAME[row["h_model"]]
    data = row["h_data"] or {}
    previous = row["h_prev"]
    label = row["pgh_label"]
    if label == "insert":
        action = _("created")
        changes = tuple(
            Change(_field_name(tracked, name), "", _display(tracked, name, data.get(name)))
            for name in tracked.on_create
            if data.get(name) not in (None, "")
        )
    elif label == "delete":
        action = _("deleted")
        changes = ()
    elif label == "account_closure":
        action = _("account closed")
        changes = ()
    else:
        action = _("changed")
        changes = _changes(tracked, previous or {}, data)
    return HistoryEntry(
        at=row["pgh_created_at"],
        what=_what(tracked, row, data),
        action=action,
        changes=changes,
        who=_who(_context(row), row["h_who"]),
    )


# Text fields that grow by lines appended (a term's reasons): a change shows the new lines.
_APPENDED = {"reason"}
_REASONS = {"reason", "close_reason", "note"}


def _changes(tracked: _Tracked, old: dict, new: dict) -> tuple[Change, ...]:
    changed = [name for name in tracked.shown if old.get(name) != new.get(name)]
    changes = []
    for name in changed:
        before, after = old.get(name), new.get(name)
        if name in _APPENDED and before and isinstance(after, str) and after.startswith(before):
            added = after[len(before) :].strip()
            changes.append(Change(_field_name(tracked, name), "", _display(tracked, name, added)))
            continue
        changes.append(
            Change(
                _field_name(tracked, name),
                _display(tracked, name, before),
                _display(tracked, name, after),
            )
        )
    return tuple(changes)


def _what(tracked: _Tracked, row, data: dict) -> str:
    if tracked.event_model_name == "InvoiceEvent":
        return _("Invoice %(number)s") % {"number": data.get("number") or row["h_invoice"]}
    if row["h_invoice"]:
        return _("%(model)s %(id)s on %(number)s") % {
            "model": tracked.label,
            "id": row["pgh_obj_id"],
            "number": row["h_invoice"],
        }
    if tracked.event_model_name == "MembershipTermEvent":
        return _("Term %(id)s") % {"id": row["pgh_obj_id"]}
    return str(tracked.label)


def _field_name(tracked: _Tracked, name: str) -> str:
    if name in _FIELD_NAMES:
        return str(_FIELD_NAMES[name])
    model_field = tracked.tracked_model._meta.get_field(name)
    verbose = str(model_field.verbose_name)
    if name.endswith("_cents"):
        verbose = verbose.removesuffix(" cents")
    return capfirst(verbose)


def _display(tracked: _Tracked, name: str, value) -> str:
    """A stored JSON value as staff read it: dollars, labels, dates in local time."""
    if value is None or value == "":
        return EMPTY
    model_field = tracked.tracked_model._meta.get_field(name)
    if name.endswith("_cents"):
        return format_cents(int(value))
    if name == "gateway":
        return str(_GATEWAY_NAMES.get(value, value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    internal = model_field.get_internal_type()
    if internal == "BooleanField":
        return _("yes") if value else _("no")
    if internal == "DateTimeField":
        moment = dt.datetime.fromisoformat(value)
        return formats.date_format(timezone.localtime(moment), "M j, Y H:i")
    if internal == "DateField":
        return formats.date_format(dt.date.fromisoformat(value), "M j, Y")
    # A reason is read whole: it is why the change was made.
    return Truncator(str(value)).chars(1000 if name in _REASONS else 120)
