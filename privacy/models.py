"""What the member data rights leave behind: who downloaded a member's data, and closures."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataDownload(models.Model):
    """Every download of everything the portal holds about a member: by them, or by staff on
    their request (then with the reason)."""

    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="data_downloads"
    )
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_staff = models.BooleanField(default=False)
    reason = models.TextField(_("reason"), blank=True)
    downloaded_at = models.DateTimeField(auto_now_add=True)
    sections = models.JSONField(default=list)

    class Meta:
        ordering = ["-downloaded_at", "-id"]

    def __str__(self):
        return f"{self.member_id} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class AccountClosure(models.Model):
    """One closed account: personal data erased at `closed_at`, financial records kept under
    the member number until `retain_until`, then purged by the daily job.

    `member` goes NULL once the purge has removed the member row; `member_number` stays."""

    member = models.OneToOneField(
        "membership.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closure",
    )
    member_number = models.CharField(max_length=20, unique=True)
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_staff = models.BooleanField(default=False)
    reason = models.TextField(_("reason"), blank=True)
    retain_until = models.DateField()
    # What was erased, as counts (no personal data): {"messages": 4, "cv_files": 1, ...}.
    erased = models.JSONField(default=dict)
    # The consents given, kept as facts without personal data: version and time. They show
    # that exports made before the closure had the member's consent.
    consent_facts = models.JSONField(default=list)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-closed_at", "-id"]
        indexes = [models.Index(fields=["retain_until"], name="closure_retain_until")]

    def __str__(self):
        return f"{self.member_number} closed {self.closed_at:%Y-%m-%d}"
