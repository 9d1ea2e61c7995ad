"""Memberships, their terms and the staff-editable rules of the lifecycle."""

import datetime as dt

import pghistory
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class MembershipRules(models.Model):
    """One row: the lifecycle's numbers, edited by staff (DUES.md's defaults are seeded)."""

    term_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    renewal_window_days = models.PositiveSmallIntegerField(default=90)
    grace_days = models.PositiveSmallIntegerField(default=60)
    # Days before the end on which reminders go out, e.g. [60, 30, 7]; one more goes in grace.
    reminder_days = models.JSONField(default=list)
    installment_counts = models.JSONField(default=list)  # e.g. [2, 3, 4]
    installment_categories = models.JSONField(default=list)  # e.g. ["full", "affiliate"]
    installment_notice_days = models.PositiveSmallIntegerField(default=21)
    installment_overdue_days = models.PositiveSmallIntegerField(default=60)
    join_invoice_expiry_days = models.PositiveSmallIntegerField(default=30)
    waiver_months = models.PositiveSmallIntegerField(default=6)
    waiver_max_months = models.PositiveSmallIntegerField(default=36)
    # Saved-card charges (auto-renew, card installments): the notice before each charge, and
    # the days after a declined charge on which it is tried again.
    card_notice_days = models.PositiveSmallIntegerField(default=7)
    card_retry_days = models.JSONField(default=list)  # e.g. [2, 5, 7]
    # Reporting only: the month the fiscal year starts in (ICMA's runs July 1 to June 30).
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )

    # How long invoices, payments and refunds of a closed account are kept (under the member
    # number only) before the daily purge deletes them: the bookkeeping law's period.
    financial_retention_years = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )

    class Meta:
        verbose_name = verbose_name_plural = _("membership rules")

    def __str__(self):
        return str(_("Membership rules"))

    @classmethod
    def current_rows(cls):
        """The rules rows, the current one first (there is one; the first saved wins)."""
        return cls.objects.order_by("pk")

    @classmethod
    def current(cls) -> "MembershipRules":
        rules = cls.current_rows().first()
        if rules is None:
            rules = cls.objects.create(
                reminder_days=[60, 30, 7],
                installment_counts=[2, 3, 4],
                installment_categories=["full", "affiliate"],
                card_retry_days=[2, 5, 7],
            )
        return rules

    @classmethod
    def column(cls):
        """The rules as one JSON column of another query (`Member.objects.annotate(
        rules_row=MembershipRules.column())`): a page reads them without a query of their own."""
        from membership.json_rows import json_row

        return json_row(cls.current_rows())  # every column

    @classmethod
    def from_column(cls, value) -> "MembershipRules":
        """The rules read by `column()`; `current()` when there were none yet (it seeds them)."""
        from membership.json_rows import instance_from_json, json_value

        data = json_value(value)
        return instance_from_json(cls, data) if data else cls.current()


class Status(models.TextChoices):
    NONE = "none", _("Not a member")
    PENDING = "pending", _("Pending payment")
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("In grace period")
    LAPSED = "lapsed", _("Lapsed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# Every insert, update (bulk `update()` too) and delete leaves a snapshot: see
# membership/history.py. `updated_at` is left out so a save that changes nothing is no event.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # Written by hand when the member's account is closed (privacy/services/closure.py).
    pghistory.ManualEvent("account_closure"),
    exclude=["updated_at"],
    model_name="MembershipEvent",
)
class Membership(models.Model):
    """One per member. `status` and `paid_through_on` are kept in step for querying; the
    authoritative status on any date is computed from the terms (see `status_on`)."""

    member = models.OneToOneField(
        "membership.Member", on_delete=models.CASCADE, related_name="membership"
    )
    member_since_on = models.DateField(null=True, blank=True)
    # The end of the latest paid (or waived) term: the date the membership runs out.
    paid_through_on = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NONE)
    category = models.ForeignKey(
        "membership.MembershipCategory", null=True, blank=True, on_delete=models.PROTECT
    )
    waived_months = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "paid_through_on"])]

    def __str__(self):
        return f"Membership of {self.member_id}"

    def status_on(self, on: dt.date, *, grace_days: int, has_pending: bool = False) -> str:
        return status_from_dates(
            paid_through_on=self.paid_through_on,
            on=on,
            grace_days=grace_days,
            has_pending=has_pending,
            closed_status=self.status if self.status in CLOSED_STATUSES else None,
        )


CLOSED_STATUSES = {Status.CANCELLED, Status.REFUNDED}


def status_from_dates(
    *,
    paid_through_on: dt.date | None,
    on: dt.date,
    grace_days: int,
    has_pending: bool = False,
    closed_status: str | None = None,
) -> str:
    """The membership status on `on`: active until the paid-through date, in grace for
    `grace_days` after it, lapsed after that. Never depends on a nightly job having run."""
    if paid_through_on is not None:
        if on < paid_through_on:
            return Status.ACTIVE
        if on < paid_through_on + dt.timedelta(days=grace_days):
            return Status.GRACE
        return Status.LAPSED
    if closed_status:
        return closed_status
    return Status.PENDING if has_pending else Status.NONE


class TermKind(models.TextChoices):
    JOIN = "join", _("Join")
    RENEWAL = "renewal", _("Renewal")
    REINSTATEMENT = "reinstatement", _("Reinstatement")
    WAIVER = "waiver", _("Dues waiver (member in transition)")
    LIFE = "life", _("Life membership")


class TermStatus(models.TextChoices):
    PENDING = "pending", _("Pending payment")
    ACTIVE = "active", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["created_at"],
    model_name="MembershipTermEvent",
)
class MembershipTerm(models.Model):
    """One paid (or waived) period. A term covers [start_on, end_on): it ends on `end_on`."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="terms")
    category = models.ForeignKey("membership.MembershipCategory", on_delete=models.PROTECT)
    kind = models.CharField(max_length=16, choices=TermKind.choices)
    status = models.CharField(max_length=16, choices=TermStatus.choices, default=TermStatus.PENDING)
    start_on = models.DateField(null=True, blank=True)
    end_on = models.DateField(null=True, blank=True)
    ended_early_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start_on", "-id"]
        indexes = [
            models.Index(fields=["status", "end_on"]),
            # The reports read the terms that start in a span (joins, renewals per month).
            models.Index(fields=["status", "start_on"], name="term_status_start_on"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__isnull=True) | Q(end_on__gt=F("start_on")),
                name="term_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(start_on__isnull=False, end_on__isnull=False),
                name="active_term_has_dates",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start_on}–{self.end_on} ({self.status})"


class Reminder(models.Model):
    """A reminder sent for a term. The unique constraint makes each one go out at most once."""

    term = models.ForeignKey(MembershipTerm, on_delete=models.CASCADE, related_name="reminders")
    key = models.CharField(max_length=32)  # "60", "30", "7" (days before) or "grace"
    claim = models.UUIDField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The outbox message that carries it; `sent_at` is set when that message is sent.
    message = models.OneToOneField(
        "communications.OutgoingMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "key"], name="one_reminder_per_key")]

    def __str__(self):
        return f"Reminder {self.key} for term {self.term_id}"


class WaiverStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class WaiverRequest(models.Model):
    """A member in transition (lost a local-government job) asks for dues to be waived."""

    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="waiver_requests"
    )
    reason = models.TextField(_("what happened"), max_length=2000)
    status = models.CharField(
        max_length=16, choices=WaiverStatus.choices, default=WaiverStatus.REQUESTED
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    term = models.ForeignKey(
        MembershipTerm, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="requested"),
                name="one_open_waiver_request_per_member",
            )
        ]

    def __str__(self):
        return f"Waiver request {self.pk} ({self.status})"
