"""Read-only queries about members."""

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from membership.json_rows import instance_from_json, json_row, json_value
from membership.models import Member, Membership, MembershipRules, TermStatus, status_from_dates
from membership.models.lifecycle import CLOSED_STATUSES
from membership.models.member import parse_member_number
from membership.permissions import member_data_check


def member_for_user(*, user, with_membership: bool = False, also: tuple[str, ...] = ()) -> Member:
    """The user's member row; `with_membership` joins the membership and its category in,
    `also` names further one-to-one rows to join (a page that shows them saves a query)."""
    related = ("user", "membership__category") if with_membership else ("user",)
    return Member.objects.select_related(*related, *also).get(user=user)


def member_by_number(*, member_number: str, related=("user",), annotations=None) -> Member:
    """The member named by `M-004211` (or `4211`); 404 for a malformed or unknown number.
    `annotations` are columns to read along (see `MembershipRules.column`)."""
    pk = parse_member_number(member_number)
    members = Member.objects.select_related(*related).annotate(**(annotations or {}))
    member = None if pk is None else members.filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def member_visible_to(*, user, member_number: str) -> Member:
    """The member named by number, if `user` may see it (`member_data_visible`: themselves, or
    membership staff after the two-factor step).

    Anyone else gets a 404, the same answer as for a number that does not exist.
    """
    member = member_by_number(member_number=member_number)
    member_data_check(user=user, member=member)
    return member


def _good_standing_after(on: dt.date, grace_days: int) -> dt.date:
    """A membership paid through a date later than this is active or in grace on `on`."""
    return on - dt.timedelta(days=grace_days)


def members_in_good_standing(*, on=None):
    """Members whose membership is active or in grace on `on` (default today), read from the
    paid-through date, so the answer never waits for the daily job."""
    on = on or timezone.localdate()
    after = _good_standing_after(on, MembershipRules.current().grace_days)
    return Member.objects.filter(membership__paid_through_on__gt=after)


def member_in_good_standing(*, member: Member, on=None) -> bool:
    """`members_in_good_standing` for one member, in one query: the paid-through date and the
    rules' grace days read together."""
    from django.db.models import Subquery

    on = on or timezone.localdate()
    grace = MembershipRules.current_rows().values("grace_days")[:1]
    row = (
        Membership.objects.filter(member_id=member.pk)
        .annotate(grace_days=Subquery(grace))
        .values_list("paid_through_on", "grace_days")
        .first()
    )
    if row is None or row[0] is None:
        return False
    paid_through_on, grace_days = row
    if grace_days is None:  # no rules yet: current() seeds them
        grace_days = MembershipRules.current().grace_days
    return paid_through_on > _good_standing_after(on, grace_days)


def membership_status_on(*, membership: Membership, on=None, rules=None, terms=None) -> str:
    """The status on `on` from the dates (pending when an unpaid term waits and none is paid).
    Pass `rules`, and every term of the membership as `terms`, when the caller has them
    already: each saves a query."""
    on = on or timezone.localdate()
    rules = rules or MembershipRules.current()
    closed = membership.status if membership.status in CLOSED_STATUSES else None
    if membership.paid_through_on is not None:
        has_pending = False
    elif terms is not None:
        has_pending = any(t.status == TermStatus.PENDING for t in terms)
    else:
        has_pending = membership.terms.filter(status=TermStatus.PENDING).exists()
    return status_from_dates(
        paid_through_on=membership.paid_through_on,
        on=on,
        grace_days=rules.grace_days,
        has_pending=has_pending,
        closed_status=closed,
    )


def category_codes_by_position() -> tuple[dict[str, str], str | None]:
    """Position → the first member-selectable category (in sort order) that admits it, and the
    category that admits any position (if one does)."""
    from membership.models import MembershipCategory

    by_position: dict[str, str] = {}
    any_position = None
    for code, positions in MembershipCategory.objects.filter(member_selectable=True).values_list(
        "code", "eligible_positions"
    ):
        if not positions and any_position is None:
            any_position = code
        for position in positions or ():
            by_position.setdefault(position, code)
    return by_position, any_position


def category_code_resolver():
    """`resolve(category_code, position)`: the membership's category, else the first
    member-selectable category that admits the position (None when none does). One query."""
    by_position, any_position = category_codes_by_position()

    def resolve(category_code, position):
        return category_code or by_position.get(position, any_position)

    return resolve


def members_for_dues_preview(*, chunk_size: int = 5_000, on=None):
    """Stream the dues facts of every member with a current or renewable membership (active
    or in grace on `on`), for the impact preview, without a query per member.

    Yields `(member_id, category_code, position, salary_cents, population, budget_cents)`.
    The category is the membership's current one; a member without one is quoted in the first
    member-selectable category that admits their position (None when none does).
    """
    resolve = category_code_resolver()
    rows = (
        members_in_good_standing(on=on)
        .order_by()
        .values_list(
            "id",
            "membership__category__code",
            "position",
            "annual_salary_cents",
            "population",
            "general_fund_budget_cents",
        )
        .iterator(chunk_size=chunk_size)
    )
    for member_id, category, position, salary, population, budget in rows:
        yield (
            member_id,
            resolve(category, position),
            position,
            salary,
            population,
            budget,
        )


@dataclass(frozen=True)
class StaffChange:
    """The latest change staff made to a member's facts, as the member is told of it."""

    at: dt.datetime
    fields: tuple[str, ...]  # the changed facts' names, as the member's profile labels them
    codes: frozenset = frozenset()  # the same, as field names

    @property
    def dues_facts_changed(self) -> bool:
        return bool(self.codes & DUES_FACT_FIELDS)


# The facts that set the dues (position, salary, community figures).
DUES_FACT_FIELDS = frozenset(
    {"position", "annual_salary_cents", "population", "general_fund_budget_cents"}
)


def _staff_changes_of(member_ref):
    from membership.models import AuditEntry
    from membership.services.staff_members import STAFF_UPDATE

    return AuditEntry.objects.filter(
        object_type="membership.member", object_id=member_ref, action=STAFF_UPDATE
    )


def staff_change_last(*, member: Member) -> StaffChange | None:
    """The latest change membership staff made to the member's profile (one query). It names
    which facts changed and when, never who or the values: the member sees their profile."""
    entry = _staff_changes_of(str(member.pk)).only("at", "changes").first()
    if entry is None:
        return None
    return _staff_change(at=entry.at, changes=entry.changes)


def staff_change_last_column():
    """`staff_change_last` as a JSON column of a query of members (no query of its own); read
    it back with `staff_change_from_column`."""
    from django.db.models import CharField, OuterRef
    from django.db.models.functions import Cast

    from membership.models import AuditEntry

    entries = _staff_changes_of(Cast(OuterRef("pk"), CharField())).order_by(
        *AuditEntry._meta.ordering
    )
    return json_row(entries, "at", "changes")


def staff_change_from_column(value) -> StaffChange | None:
    from membership.models import AuditEntry

    data = json_value(value)
    if not data:
        return None
    entry = instance_from_json(AuditEntry, data)
    return _staff_change(at=entry.at, changes=entry.changes)


def _staff_change(*, at, changes) -> StaffChange:
    codes = [name for name in changes if name in _FIELD_LABELS]
    return StaffChange(
        at=at,
        fields=tuple(str(_FIELD_LABELS[name]) for name in codes),
        codes=frozenset(codes),
    )


def waiver_last_column():
    """The member's latest waiver request as a JSON column of a query of members; read it
    back with `waiver_from_column`."""
    from django.db.models import OuterRef

    from membership.models import WaiverRequest

    requests = WaiverRequest.objects.filter(member=OuterRef("pk")).order_by("-requested_at", "-pk")
    return json_row(requests)  # every column


def waiver_from_column(value):
    from membership.models import WaiverRequest

    data = json_value(value)
    return instance_from_json(WaiverRequest, data) if data else None


_FIELD_LABELS = {
    "full_name": gettext_lazy("name"),
    "position": gettext_lazy("position"),
    "job_title": gettext_lazy("job title"),
    "employer": gettext_lazy("employer"),
    "country": gettext_lazy("country"),
    "state_province": gettext_lazy("state or province"),
    "population": gettext_lazy("jurisdiction population"),
    "general_fund_budget_cents": gettext_lazy("general fund budget"),
    "annual_salary_cents": gettext_lazy("annual salary"),
}
