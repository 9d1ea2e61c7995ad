"""The vocabularies the pool is described in: topics, languages, kinds of engagement."""

from django.db import models
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

# Areas and languages are also kept as bit masks on each profile, so that ranking the whole
# pool is one pass over one table (docs/decisions/003-expert-ranking.md). A bigint holds 63.
MAX_AREA_BIT = 62


class ExpertiseArea(models.Model):
    """A topic experts know and partners ask about. Staff edit the list in the admin.

    Each area owns one bit of `ExpertProfile.area_mask`, given on creation and never reused,
    so areas are retired (`is_active`), never deleted.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    # What Chinese partners read (the dossier in Chinese); the English name when empty.
    name_zh = models.CharField(_("name in Chinese"), max_length=120, blank=True)
    slug = models.SlugField(_("code"), max_length=64, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Retired areas stay on existing profiles and requests but are no longer offered.
    is_active = models.BooleanField(_("offered in forms"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    bit = models.PositiveSmallIntegerField(unique=True, editable=False)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("expertise area")
        constraints = [
            models.CheckConstraint(condition=Q(bit__lte=MAX_AREA_BIT), name="area_bit_fits")
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.bit is None:
            # Two staff adding areas at once collide on the unique bit; one of them retries.
            highest = ExpertiseArea.objects.aggregate(highest=Max("bit"))["highest"]
            self.bit = 0 if highest is None else highest + 1
        super().save(*args, **kwargs)

    @property
    def name_in_chinese(self) -> str:
        return self.name_zh or self.name

    @property
    def mask(self) -> int:
        return 1 << self.bit


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

# The bit of each language in `ExpertProfile.language_mask`. Append new languages; never
# renumber, or stored masks would change meaning.
LANGUAGE_BIT = {
    "en": 0,
    "cmn": 1,
    "yue": 2,
    "es": 3,
    "fr": 4,
    "de": 5,
    "pt": 6,
    "ja": 7,
    "ko": 8,
    "vi": 9,
    "ar": 10,
    "ru": 11,
    "hi": 12,
}


def areas_mask(areas) -> int:
    mask = 0
    for area in areas:
        mask |= area.mask
    return mask


def languages_mask(codes) -> int:
    """The mask of `codes`; callers pass only languages spoken at working level or better."""
    mask = 0
    for code in codes:
        mask |= 1 << LANGUAGE_BIT[code]
    return mask


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
