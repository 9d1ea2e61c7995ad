"""Services that move a membership through pending → active → grace → lapsed.

Billing calls these when money arrives; membership never imports billing.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from membership.dates import add_months
from membership.events import membership_lapsed, membership_reinstated, send_after_commit
from membership.models import (
    Member,
    Membership,
    MembershipCategory,
    MembershipRules,
    MembershipTerm,
    Status,
    TermKind,
    TermStatus,
    WaiverRequest,
    WaiverStatus,
)

GOOD_STANDING = {Status.ACTIVE, Status.GRACE}
LIFE_YEARS = 100


def membership_lock(*, member: Member) -> Membership:
    """The member's membership row, created if needed and locked for this transaction.

    Every change to a member's terms takes this lock first, so two payments for the same member
    are applied one after the other, never interleaved."""
    Membership.objects.get_or_create(member=member)
    return Membership.objects.select_for_update().get(member=member)


def _refresh(membership: Membership, rules: MembershipRules, on: dt.date) -> None:
    """Recompute the paid-through date from the paid terms and store the status of `on`."""
    before = membership.status_on(on, grace_days=rules.grace_days)
    paid_through = membership.terms.filter(status=TermStatus.ACTIVE).aggregate(m=Max("end_on"))["m"]
    membership.paid_through_on = paid_through
    has_pending = membership.terms.filter(status=TermStatus.PENDING).exists()
    membership.status = _status_from_terms(membership, rules, on, has_pending)
    membership.save(
        update_fields=[
            "paid_through_on",
            "status",
            "category",
            "member_since_on",
            "waived_months",
            "updated_at",
        ]
    )
    after = membership.status
    member = membership.member
    if before in GOOD_STANDING and after not in GOOD_STANDING:
        send_after_commit(membership_lapsed, sender=Member, member=member, on=on)
    elif before not in GOOD_STANDING and after in GOOD_STANDING:
        send_after_commit(membership_reinstated, sender=Member, member=member, on=on)


def _status_from_terms(membership, rules, on, has_pending) -> str:
    if membership.paid_through_on is None:
        last = membership.terms.exclude(status=TermStatus.PENDING).order_by("-id").first()
        if last is not None and last.status in (TermStatus.CANCELLED, TermStatus.REFUNDED):
            return last.status
    return membership.status_on(on, grace_days=rules.grace_days, has_pending=has_pending)


@transaction.atomic
def term_plan(
    *, member: Member, category: MembershipCategory, kind: str, created_by=None
) -> MembershipTerm:
    """A pending term waiting for its payment; its dates are set when it is paid."""
    membership = membership_lock(member=member)
    term = MembershipTerm.objects.create(
        membership=membership, category=category, kind=kind, created_by=created_by
    )
    _refresh(membership, MembershipRules.current(), timezone.localdate())
    return term


@transaction.atomic
def term_activate(*, term_id: int, paid_on: dt.date) -> bool:
    """Start a pending term once it is paid. Returns False when it was not pending (idempotent).

    Paying while active or in grace extends from the old end date: no gap and no double
    extension. Paying after lapse (or for the first time) starts a new term on the payment date.
    """
    term = MembershipTerm.objects.select_related("membership__member").get(pk=term_id)
    membership = membership_lock(member=term.membership.member)
    term = MembershipTerm.objects.select_for_update().get(pk=term_id)
    if term.status != TermStatus.PENDING:
        return False
    rules = MembershipRules.current()
    standing = membership.status_on(paid_on, grace_days=rules.grace_days)
    if standing in GOOD_STANDING:
        start = membership.paid_through_on
    else:
        start = paid_on
        if term.kind == TermKind.RENEWAL and membership.member_since_on:
            term.kind = TermKind.REINSTATEMENT
    term.start_on = start
    term.end_on = add_months(start, rules.term_months)
    term.status = TermStatus.ACTIVE
    term.activated_at = timezone.now()
    term.save()
    membership.category = term.category
    membership.member_since_on = membership.member_since_on or start
    _refresh(membership, rules, paid_on)
    return True


@transaction.atomic
def term_close(*, term: MembershipTerm, status: str, reason: str, on: dt.date) -> MembershipTerm:
    """Cancel or refund a term (pending or paid); the membership falls back on its other terms."""
    if status not in (TermStatus.CANCELLED, TermStatus.REFUNDED):
        raise ValueError(status)
    membership = membership_lock(member=term.membership.member)
    term = MembershipTerm.objects.select_for_update().get(pk=term.pk)
    if term.status in (TermStatus.CANCELLED, TermStatus.REFUNDED):
        return term
    term.status = status
    term.reason = "\n".join(filter(None, [term.reason, reason]))
    term.save(update_fields=["status", "reason"])
    _refresh(membership, MembershipRules.current(), on)
    return term


@transaction.atomic
def term_end_early(*, term: MembershipTerm, on: dt.date, reason: str) -> MembershipTerm:
    """End a paid term on `on` (an installment long overdue): the normal grace → lapsed follows."""
    membership = membership_lock(member=term.membership.member)
    term = MembershipTerm.objects.select_for_update().get(pk=term.pk)
    if term.status != TermStatus.ACTIVE or term.end_on <= on:
        return term
    if on <= term.start_on:
        return term_close(term=term, status=TermStatus.CANCELLED, reason=reason, on=on)
    term.end_on = on
    term.ended_early_on = on
    term.reason = "\n".join(filter(None, [term.reason, reason]))
    term.save(update_fields=["end_on", "ended_early_on", "reason"])
    # Later terms that chained onto this one cannot stand without it.
    MembershipTerm.objects.filter(
        membership=membership, status=TermStatus.ACTIVE, start_on__gt=on
    ).update(status=TermStatus.CANCELLED)
    _refresh(membership, MembershipRules.current(), on)
    return term


@transaction.atomic
def term_dates_adjust(
    *, term: MembershipTerm, start_on: dt.date, end_on: dt.date, reason: str, by, on: dt.date
) -> MembershipTerm:
    """Staff correct a paid term's dates, saying why. The term covers [start_on, end_on) and
    may not overlap another paid term of the member; the paid-through date, the member-since
    date and the status then follow from the terms, as after a payment."""
    membership = membership_lock(member=term.membership.member)
    term = MembershipTerm.objects.select_for_update().get(pk=term.pk)
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the dates change; the reason stays in the term's history.")
    if start_on is not None and end_on is not None and end_on <= start_on:
        errors["end_on"] = _(
            "The end date must come after the start date (a term ends on its end date)."
        )
    if errors:
        raise ValidationError(errors)
    if term.status != TermStatus.ACTIVE:
        raise ValidationError(
            _("Only paid terms have dates to adjust; this one is %(status)s.")
            % {"status": term.get_status_display().lower()}
        )
    if (term.start_on, term.end_on) == (start_on, end_on):
        raise ValidationError(_("These are the term's dates already; change one of them."))
    clash = (
        membership.terms.filter(status=TermStatus.ACTIVE, start_on__lt=end_on, end_on__gt=start_on)
        .exclude(pk=term.pk)
        .order_by("start_on")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _(
                "These dates overlap the member's %(kind)s term from %(start)s to %(end)s. "
                "Choose dates outside it, or adjust that term first."
            )
            % {
                "kind": clash.get_kind_display().lower(),
                "start": date_format(clash.start_on),
                "end": date_format(clash.end_on),
            }
        )
    old_start = term.start_on
    short = "M j, Y"
    note = _("Dates adjusted (were %(old_start)s – %(old_end)s): %(reason)s") % {
        "old_start": date_format(term.start_on, short),
        "old_end": date_format(term.end_on, short),
        "reason": reason,
    }
    term.start_on, term.end_on = start_on, end_on
    if term.ended_early_on is not None and term.ended_early_on != end_on:
        term.ended_early_on = None
    term.reason = "\n".join(filter(None, [term.reason, note]))
    term.save(update_fields=["start_on", "end_on", "ended_early_on", "reason"])
    since = membership.member_since_on
    if since is None or since == old_start or start_on < since:
        membership.member_since_on = membership.terms.filter(status=TermStatus.ACTIVE).aggregate(
            first=Min("start_on")
        )["first"]
    _refresh(membership, MembershipRules.current(), on)
    return term


@transaction.atomic
def waiver_grant(*, member: Member, reason: str, approved_by, on: dt.date) -> MembershipTerm:
    """A member in transition gets `waiver_months` at $0, extending from the current end date;
    never more than `waiver_max_months` of waivers in all."""
    rules = MembershipRules.current()
    membership = membership_lock(member=member)
    if not reason.strip():
        raise ValidationError({"reason": _("Record why the dues are waived.")})
    if membership.waived_months + rules.waiver_months > rules.waiver_max_months:
        raise ValidationError(
            _(
                "This member has had %(used)s months of dues waivers; another %(more)s would pass "
                "the limit of %(limit)s months. Ask the member to renew by paying instead."
            )
            % {
                "used": membership.waived_months,
                "more": rules.waiver_months,
                "limit": rules.waiver_max_months,
            }
        )
    category = membership.category or _default_category(member)
    start = _next_start_on(membership, rules, on)
    term = MembershipTerm.objects.create(
        membership=membership,
        category=category,
        kind=TermKind.WAIVER,
        status=TermStatus.ACTIVE,
        start_on=start,
        end_on=add_months(start, rules.waiver_months),
        reason=reason.strip(),
        created_by=approved_by,
        activated_at=timezone.now(),
    )
    membership.waived_months += rules.waiver_months
    membership.member_since_on = membership.member_since_on or start
    membership.category = category
    _refresh(membership, rules, on)
    return term


@transaction.atomic
def life_confer(*, member: Member, conferred_by, on: dt.date, reason: str = "") -> MembershipTerm:
    """Staff confer Life membership: a $0 term in the `life` category that does not run out."""
    membership = membership_lock(member=member)
    life = MembershipCategory.objects.get(code="life")
    if membership.category_id == life.pk and membership.status == Status.ACTIVE:
        raise ValidationError(_("This member is already a Life member."))
    rules = MembershipRules.current()
    start = _next_start_on(membership, rules, on)
    term = MembershipTerm.objects.create(
        membership=membership,
        category=life,
        kind=TermKind.LIFE,
        status=TermStatus.ACTIVE,
        start_on=start,
        end_on=add_months(start, 12 * LIFE_YEARS),
        reason=reason,
        created_by=conferred_by,
        activated_at=timezone.now(),
    )
    membership.category = life
    membership.member_since_on = membership.member_since_on or start
    _refresh(membership, rules, on)
    return term


def _next_start_on(membership: Membership, rules: MembershipRules, on: dt.date) -> dt.date:
    """A new term continues from the old end while the member is in good standing on `on`;
    otherwise (lapsed, or never a member) it starts on `on`."""
    standing = membership.status_on(on, grace_days=rules.grace_days)
    return membership.paid_through_on if standing in GOOD_STANDING else on


def _default_category(member: Member) -> MembershipCategory:
    for category in MembershipCategory.objects.filter(member_selectable=True):
        if category.allows_position(member.position):
            return category
    return MembershipCategory.objects.get(code="affiliate")


@transaction.atomic
def waiver_request(*, member: Member, reason: str) -> WaiverRequest:
    """A member asks for a waiver; one open request at a time."""
    if not reason.strip():
        raise ValidationError({"reason": _("Tell us briefly what happened to your position.")})
    if WaiverRequest.objects.filter(member=member, status=WaiverStatus.REQUESTED).exists():
        raise ValidationError(_("You already have a waiver request waiting for staff."))
    return WaiverRequest.objects.create(member=member, reason=reason.strip())


@transaction.atomic
def waiver_decide(*, request_id: int, approve: bool, decided_by, note: str, on: dt.date):
    """Staff approve (granting `waiver_months` at $0) or decline a waiver request."""
    waiver = WaiverRequest.objects.select_for_update().get(pk=request_id)
    if waiver.status != WaiverStatus.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    if approve:
        waiver.term = waiver_grant(
            member=waiver.member, reason=note or waiver.reason, approved_by=decided_by, on=on
        )
    waiver.status = WaiverStatus.APPROVED if approve else WaiverStatus.DECLINED
    waiver.decided_by = decided_by
    waiver.decided_at = timezone.now()
    waiver.decision_note = note
    waiver.save()
    from communications.services.outbox import message_queue

    # Either way the member hears the decision.
    message_queue(
        to=waiver.member.user.email,
        template="membership/email/waiver_decision",
        context={"member": waiver.member, "waiver": waiver},
        user=waiver.member.user,
        key=f"waiver-decision-{waiver.pk}",
    )
    return waiver
