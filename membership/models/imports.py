"""Bringing members over from the old system: the uploaded export and the payments it held."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    MAPPING = "mapping", _("Columns to map")
    CHECKED = "checked", _("Checked (dry run done)")
    QUEUED = "queued", _("Import queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Stopped with an error")


class MemberImport(models.Model):
    """One uploaded export of the old system, its dry-run findings and the commit's progress.

    The file's bytes live in this row (bounded by MEMBER_IMPORT_MAX_BYTES), so the worker that
    commits it reads the same file whichever node received the upload."""

    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    encoding = models.CharField(max_length=40)
    state = models.CharField(max_length=16, choices=ImportState.choices)
    # Which old system it came from ("iMIS export"), and each expected column → the file's
    # header that holds it; empty when the headers are our column names.
    source_name = models.CharField(max_length=100, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # The dry run's counts; `problems` is one {"line", "legacy_id", "reason"} per refused row.
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    payments_new = models.PositiveIntegerField(default=0)
    payments_new_cents = models.BigIntegerField(default=0)
    problems = models.JSONField(default=list)
    # The commit's progress and outcome.
    rows_done = models.PositiveIntegerField(default=0)
    members_created = models.PositiveIntegerField(default=0)
    payments_created = models.PositiveIntegerField(default=0)
    payments_created_cents = models.BigIntegerField(default=0)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size=models.functions.Length("content")),
                name="member_import_size_matches_content",
            ),
        ]

    def __str__(self):
        return f"Import {self.pk} ({self.filename})"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.state == ImportState.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class ImportSource(models.Model):
    """An old system staff import from, with the column mapping chosen last time, offered
    again for its next file."""

    name = models.CharField(max_length=100, unique=True)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ImportedPayment(models.Model):
    """A payment the old system recorded. Shown in the member's history; never invoiced again
    and never counted as a portal payment (it activates nothing: the imported term does)."""

    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="imported_payments"
    )
    member_import = models.ForeignKey(
        MemberImport, null=True, on_delete=models.SET_NULL, related_name="payments"
    )
    paid_on = models.DateField()
    amount_cents = models.BigIntegerField()
    method = models.CharField(max_length=40, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    invoice_number = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0), name="imported_payment_amount_gte_0"
            ),
        ]

    def __str__(self):
        return f"Imported payment {self.pk} ({self.paid_on})"
