from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .taxonomy import EngagementType, ExpertiseArea, Language


class PartnerOrganization(models.Model):
    """A Chinese partner that asks ICMA for experts. Staff add ministries, provinces, cities."""

    class Kind(models.TextChoices):
        NATIONAL_AGENCY = "national_agency", _("National agency")
        TRAINING = "training", _("Training institution")
        ACADEMIC = "academic", _("Academy or university")
        MINISTRY = "ministry", _("Ministry")
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    # The partner's own name, e.g. 中国国际人才交流协会 for CAIEP; the English name when empty.
    name_zh = models.CharField(_("name in Chinese"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    is_active = models.BooleanField(_("offered in forms"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organization")

    def __str__(self):
        return self.name

    @property
    def name_in_chinese(self) -> str:
        return self.name_zh or self.name


class AssistanceRequest(models.Model):
    """A partner's request for experts: what, where, when, in which language, how many."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SHORTLISTING = "shortlisting", _("Shortlisting")
        RECOMMENDED = "recommended", _("Recommended")
        FILLED = "filled", _("Filled")
        CLOSED = "closed", _("Closed")

    partner = models.ForeignKey(
        PartnerOrganization,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("partner organization"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # The partner's own wording, shown in the Chinese dossier (the English when empty).
    title_zh = models.CharField(_("title in Chinese"), max_length=200, blank=True)
    description_zh = models.TextField(_("description in Chinese"), max_length=5000, blank=True)
    topics = models.ManyToManyField(
        ExpertiseArea, related_name="requests", verbose_name=_("topics")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    engagement_type = models.CharField(
        _("engagement type"), max_length=32, choices=EngagementType.choices
    )
    # Language codes (Language values); an expert needs one of them at working level or better.
    languages_needed = models.JSONField(_("language needs"), default=list, blank=True)
    experts_wanted = models.PositiveSmallIntegerField(_("number of experts wanted"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assistance request")
        indexes = [models.Index(fields=["status", "-created_at"], name="request_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="request_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(experts_wanted__gte=1), name="request_wants_one"),
        ]

    def __str__(self):
        return self.title

    @property
    def title_in_chinese(self) -> str:
        return self.title_zh or self.title

    @property
    def description_in_chinese(self) -> str:
        return self.description_zh or self.description

    @property
    def is_active(self) -> bool:
        return self.status not in {self.Status.FILLED, self.Status.CLOSED}

    @property
    def language_labels(self) -> list[str]:
        return [Language(code).label for code in self.languages_needed if code in Language.values]

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.city, self.province) if part)
