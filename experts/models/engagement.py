from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Engagement(models.Model):
    """An expert considered for a request: shortlisted → invited → accepted/declined →
    recommended. Each step keeps who took it and when."""

    class Status(models.TextChoices):
        SHORTLISTED = "shortlisted", _("Shortlisted")
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        RECOMMENDED = "recommended", _("Recommended to the partner")

    request = models.ForeignKey(
        "experts.AssistanceRequest", on_delete=models.CASCADE, related_name="engagements"
    )
    profile = models.ForeignKey(
        "experts.ExpertProfile", on_delete=models.CASCADE, related_name="engagements"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SHORTLISTED
    )
    shortlisted_at = models.DateTimeField(default=timezone.now)
    shortlisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The member answers for themselves, so the responder is always the profile's member.
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = models.TextField(_("note"), max_length=1000, blank=True)
    recommended_at = models.DateTimeField(null=True, blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["shortlisted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "profile"], name="engagement_once")
        ]
        indexes = [models.Index(fields=["profile", "status"], name="engagement_profile_status")]

    def __str__(self):
        return f"{self.request} × {self.profile}"

    @property
    def awaits_answer(self) -> bool:
        return self.status == self.Status.INVITED


class DossierExport(models.Model):
    """Every time a request's dossier leaves the portal: who, when, how, and whose data."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        PRINT = "print", _("Printable page")
        PDF = "pdf", _("PDF")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        CHINESE = "zh-hans", _("Chinese")
        BOTH = "both", _("English and Chinese side by side")

    request = models.ForeignKey(
        "experts.AssistanceRequest", on_delete=models.PROTECT, related_name="exports"
    )
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(default=timezone.now)
    format = models.CharField(max_length=8, choices=Format.choices)
    experts = models.ManyToManyField("experts.ExpertProfile", related_name="+", blank=True)
    expert_count = models.PositiveIntegerField(default=0)
    # The names of the fields sent about each expert (cross-border transparency).
    fields = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)

    class Meta:
        ordering = ["-exported_at", "-id"]
        indexes = [models.Index(fields=["-exported_at"], name="dossier_export_recent")]

    def __str__(self):
        return f"{self.request} · {self.get_format_display()} · {self.exported_at:%Y-%m-%d %H:%M}"
