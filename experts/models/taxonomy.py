"""The vocabularies the pool is described in: topics, languages, kinds of engagement."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertiseArea(models.Model):
    """A topic experts know and partners ask about. Staff edit the list in the admin."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("code"), max_length=64, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Retired areas stay on existing profiles and requests but are no longer offered.
    is_active = models.BooleanField(_("offered in forms"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("expertise area")

    def __str__(self):
        return self.name


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    MANDARIN = "cmn", _("Mandarin Chinese")
    CANTONESE = "yue", _("Cantonese")
    SPANISH = "es", _("Spanish")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    PORTUGUESE = "pt", _("Portuguese")
    JAPANESE = "ja", _("Japanese")
    KOREAN = "ko", _("Korean")
    VIETNAMESE = "vi", _("Vietnamese")
    ARABIC = "ar", _("Arabic")
    RUSSIAN = "ru", _("Russian")
    HINDI = "hi", _("Hindi")


class Proficiency(models.IntegerChoices):
    BASIC = 1, _("Basic")
    WORKING = 2, _("Professional working")
    FLUENT = 3, _("Fluent")
    NATIVE = 4, _("Native")


# A language counts for a request when the expert can work in it without an interpreter.
WORKING_PROFICIENCY = Proficiency.WORKING


class EngagementType(models.TextChoices):
    CONFERENCE_TALK = "conference_talk", _("Conference talk")
    WORKSHOP = "workshop", _("One- or two-day workshop")
    STUDY_TOUR = "study_tour", _("Hosting a study tour in my own community")
    ASSIGNMENT = "assignment", _("Assignment in China of up to 3 months")
    REMOTE_ADVICE = "remote_advice", _("Remote advice")


def accepts_field(engagement_type: str) -> str:
    """The ExpertProfile boolean that says whether the expert accepts this kind of engagement."""
    return f"accepts_{engagement_type}"


# Engagements that happen in China; the others need no travel.
TRAVEL_ENGAGEMENTS = frozenset(
    {EngagementType.CONFERENCE_TALK, EngagementType.WORKSHOP, EngagementType.ASSIGNMENT}
)
