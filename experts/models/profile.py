from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from experts.storage import cv_upload_to, private_cv_storage

from .taxonomy import EngagementType, ExpertiseArea, Language, Proficiency, accepts_field

SUMMARY_MAX_LENGTH = 300
NAME_ZH_MAX_LENGTH = 60
BIO_MAX_LENGTH = 4000
AVAILABILITY_NOTE_MAX_LENGTH = 500
MAX_YEARS_IN_LOCAL_GOVERNMENT = 70


class ExpertProfile(models.Model):
    """A member's opt-in entry in the China technical-assistance expert pool.

    Only `active` profiles with consent to the current consent text, held by members in
    good standing, are matched or exported. A withdrawn profile keeps no CV.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    member = models.OneToOneField(
        "membership.Member", on_delete=models.CASCADE, related_name="expert_profile"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # Set when the pool paused the profile because the membership lapsed, so that renewal
    # brings back only what the lapse took away (never a pause the member chose).
    paused_for_lapse = models.BooleanField(_("paused because the membership lapsed"), default=False)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    consent_text = models.ForeignKey(
        "experts.ConsentText",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consented to"),
    )
    consented_at = models.DateTimeField(_("consented"), null=True, blank=True)

    # The member's paid-through date, copied by the database (triggers on the membership and
    # on this table, migration 0012), never by the portal: good standing is one comparison
    # on the profile's own row when ranking, see docs/decisions/003-expert-ranking.md.
    member_paid_through_on = models.DateField(null=True, editable=False)
    # Derived from `areas` and `languages` (working level or better) by the profile service;
    # the ranking reads these instead of joining, see docs/decisions/003-expert-ranking.md.
    area_mask = models.BigIntegerField(default=0, editable=False)
    language_mask = models.IntegerField(default=0, editable=False)
    areas = models.ManyToManyField(
        ExpertiseArea, related_name="experts", verbose_name=_("areas of expertise")
    )
    years_in_local_government = models.PositiveSmallIntegerField(
        _("years in local government"), default=0
    )
    summary = models.CharField(_("professional summary"), max_length=SUMMARY_MAX_LENGTH)
    bio = models.TextField(_("biography"), max_length=BIO_MAX_LENGTH, blank=True)
    # Optional, for Chinese partners: the name in Chinese characters and a short summary.
    name_zh = models.CharField(_("name in Chinese"), max_length=NAME_ZH_MAX_LENGTH, blank=True)
    summary_zh = models.CharField(
        _("summary in Chinese"), max_length=SUMMARY_MAX_LENGTH, blank=True
    )
    accepts_conference_talk = models.BooleanField(
        EngagementType.CONFERENCE_TALK.label, default=False
    )
    accepts_workshop = models.BooleanField(EngagementType.WORKSHOP.label, default=False)
    accepts_study_tour = models.BooleanField(EngagementType.STUDY_TOUR.label, default=False)
    accepts_assignment = models.BooleanField(EngagementType.ASSIGNMENT.label, default=False)
    accepts_remote_advice = models.BooleanField(EngagementType.REMOTE_ADVICE.label, default=False)
    willing_to_travel = models.BooleanField(_("willing to travel to China"), default=False)
    availability_note = models.CharField(
        _("availability note"), max_length=AVAILABILITY_NOTE_MAX_LENGTH, blank=True
    )
    cv = models.FileField(
        _("CV"), storage=private_cv_storage, upload_to=cv_upload_to, blank=True, max_length=200
    )
    cv_uploaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("expert profile")
        indexes = [models.Index(fields=["status", "consent_text"], name="expert_status_consent")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(cv=""), name="expert_withdrawn_has_no_cv"
            ),
            models.CheckConstraint(
                condition=Q(cv="") | Q(cv_uploaded_at__isnull=False),
                name="expert_cv_has_upload_time",
            ),
            models.CheckConstraint(
                condition=Q(paused_for_lapse=False) | Q(status="paused"),
                name="expert_lapse_flag_only_when_paused",
            ),
            models.CheckConstraint(
                condition=Q(years_in_local_government__lte=MAX_YEARS_IN_LOCAL_GOVERNMENT),
                name="expert_years_in_range",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("bio"), BIO_MAX_LENGTH), name="expert_bio_length"
            ),
        ]

    def __str__(self):
        return f"{self.member.member_number} {self.member.display_name}"

    @property
    def engagement_types(self) -> list[str]:
        return [value for value in EngagementType.values if getattr(self, accepts_field(value))]

    @property
    def engagement_type_labels(self) -> list[str]:
        return [str(EngagementType(value).label) for value in self.engagement_types]

    def consent_is_current(self, current_version_id: int | None) -> bool:
        return current_version_id is not None and self.consent_text_id == current_version_id


class ExpertLanguage(models.Model):
    profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    proficiency = models.PositiveSmallIntegerField(_("proficiency"), choices=Proficiency.choices)

    class Meta:
        ordering = ["-proficiency", "language"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "language"], name="expert_language_once")
        ]
        indexes = [models.Index(fields=["language", "proficiency"], name="expert_lang_level")]

    def __str__(self):
        return f"{self.get_language_display()} ({self.get_proficiency_display()})"


class ExpertAvailability(models.Model):
    """A date range in which the expert can take on an engagement (both days included)."""

    profile = models.ForeignKey(
        ExpertProfile, on_delete=models.CASCADE, related_name="availability"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))

    class Meta:
        ordering = ["starts_on"]
        verbose_name_plural = _("availability")
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="expert_avail_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="expert_avail_ordered"
            )
        ]

    def __str__(self):
        return f"{self.starts_on} – {self.ends_on}"
