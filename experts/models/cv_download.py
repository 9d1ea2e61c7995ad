from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CVDownload(models.Model):
    """Every time a CV leaves the portal: who downloaded whose CV, and when."""

    profile = models.ForeignKey(
        "experts.ExpertProfile",
        on_delete=models.CASCADE,
        related_name="cv_downloads",
        verbose_name=_("expert profile"),
    )
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("downloaded by"),
    )
    downloaded_at = models.DateTimeField(_("downloaded"), default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        verbose_name = _("CV download")
        indexes = [
            models.Index(fields=["-downloaded_at"], name="cv_download_recent"),
            models.Index(fields=["profile", "-downloaded_at"], name="cv_download_profile_recent"),
        ]

    def __str__(self):
        return f"{self.profile_id} · {self.downloaded_by_id} · {self.downloaded_at:%Y-%m-%d %H:%M}"
