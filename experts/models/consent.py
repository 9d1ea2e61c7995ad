import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentText(models.Model):
    """A published version of what members agree to when they join the pool.

    The highest version is the current one. Versions are never edited once published: a
    change is a new version, and every member must consent to it before being matched again.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    body = models.TextField(_("text"))
    # The same text in Simplified Chinese; members read both side by side.
    body_zh = models.TextField(_("text in Chinese"), blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("consent text")

    def __str__(self):
        return _("Consent text, version %(version)s") % {"version": self.version}

    def texts_shown(self) -> dict[str, str]:
        """The language of each text a member reads, with the SHA-256 of its words."""
        texts = {"en": self.body, "zh-hans": self.body_zh}
        return {
            code: hashlib.sha256(text.encode("utf-8")).hexdigest()
            for code, text in texts.items()
            if text
        }


class ExpertConsent(models.Model):
    """One row each time a member consents: the history behind `ExpertProfile.consent_text`."""

    profile = models.ForeignKey(
        "experts.ExpertProfile", on_delete=models.CASCADE, related_name="consents"
    )
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    consented_at = models.DateTimeField(default=timezone.now)
    # Which texts were on the page: {"en": sha256, "zh-hans": sha256}, from ConsentText.texts_shown.
    texts_shown = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-consented_at"]
        indexes = [models.Index(fields=["profile", "-consented_at"])]

    def __str__(self):
        return f"{self.profile_id} → v{self.consent_text_id} at {self.consented_at:%Y-%m-%d %H:%M}"
