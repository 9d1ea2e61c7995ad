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


class ExpertConsent(models.Model):
    """One row each time a member consents: the history behind `ExpertProfile.consent_text`."""

    profile = models.ForeignKey(
        "experts.ExpertProfile", on_delete=models.CASCADE, related_name="consents"
    )
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    consented_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-consented_at"]
        indexes = [models.Index(fields=["profile", "-consented_at"])]

    def __str__(self):
        return f"{self.profile_id} → v{self.consent_text_id} at {self.consented_at:%Y-%m-%d %H:%M}"
