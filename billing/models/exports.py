"""The staff member export, written by a worker: the job row with its state and figures, and
the file itself as numbered parts, so every web node serves the same file and no process
holds all of it in memory."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Writing the file")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Stopped with an error")
    CANCELLED = "cancelled", _("Stopped by staff")


class MemberExport(models.Model):
    """One CSV export of the members a search matched.

    The file is complete only when `state` is `done`: then `rows_written` data rows, `parts`
    parts and `size_bytes` bytes are recorded, and `sha256` is the checksum of the file up to
    its last line, which repeats the row count and the checksum (see
    billing/services/member_exports.py). A download is refused in every other state."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The member search's filters (billing.staff_selectors.MemberFilters.as_dict()).
    filters = models.JSONField(default=dict, blank=True)
    # Statuses are computed for this date, whenever the worker reads each chunk.
    as_of_on = models.DateField()
    state = models.CharField(max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_expected = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    parts = models.PositiveIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(sha256=""),
                name="member_export_done_has_checksum",
            ),
        ]

    def __str__(self):
        return f"Member export {self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (ExportState.DONE, ExportState.FAILED, ExportState.CANCELLED)


class MemberExportPart(models.Model):
    """A run of consecutive lines of an export's file; part 0 starts with the header."""

    export = models.ForeignKey(MemberExport, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    content = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["export", "number"], name="member_export_part_once"),
        ]

    def __str__(self):
        return f"Part {self.number} of member export {self.export_id}"
