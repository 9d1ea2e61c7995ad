"""A computed impact preview of a draft dues schedule, kept so a worker can compute it for a
large population while the staff page polls, and so the page shows it again without
quoting every member twice on each visit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImpactRunState(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Quoting members")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped with an error")


class DuesImpactRun(models.Model):
    """One computation of `dues_impact_preview` for a schedule.

    `terms_key` fingerprints what the result depends on besides the members (both schedules'
    rates, discounts and categories), so an edit to the draft or a newly published schedule
    makes the next visit compute afresh. `result` holds the preview's figures as JSON."""

    schedule = models.ForeignKey(
        "membership.DuesSchedule", on_delete=models.CASCADE, related_name="impact_runs"
    )
    terms_key = models.CharField(max_length=64)
    state = models.CharField(
        max_length=16, choices=ImpactRunState.choices, default=ImpactRunState.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members_expected = models.PositiveIntegerField(default=0)
    members_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["schedule", "terms_key", "-created_at"])]

    def __str__(self):
        return f"Impact of schedule {self.schedule_id} ({self.state})"
