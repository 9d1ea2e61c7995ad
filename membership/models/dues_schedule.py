from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DuesSchedule(models.Model):
    """A dated version of every dues price. Exactly one published schedule is in effect a day.

    A published schedule runs from `effective_from` until the day before `effective_to` (or
    open-ended). Once it is in effect, or once an invoice used it, it is never edited in place:
    staff clone it into a new draft instead.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=120)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective until (exclusive)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a schedule that runs until a newer one is published."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Set by billing (through `schedule_mark_used`) when an invoice first quotes from it.
    first_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="dues_schedule_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="dues_schedule_published_has_timestamp",
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(status="published"),
                name="dues_schedule_one_published_per_start_date",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def in_effect_on(self, day) -> bool:
        return (
            self.is_published
            and self.effective_from <= day
            and (self.effective_to is None or day < self.effective_to)
        )

    def edit_refusal(self, *, today) -> str | None:
        """Why this schedule cannot be edited in place today, or None when it can."""
        if self.first_used_at is not None:
            return str(
                _(
                    "Invoices have already been issued from this schedule, so it cannot be "
                    "changed. Clone it into a draft and publish the draft instead."
                )
            )
        if self.is_published and self.effective_from <= today:
            return str(
                _(
                    "This schedule is published and in effect, so it cannot be changed in place. "
                    "Clone it into a draft, change the draft and publish it with a later date."
                )
            )
        return None
