"""Services that change an expert's place in the pool: join, edit, consent, pause, withdraw."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from experts import notifications
from experts.models import (
    ConsentText,
    EngagementType,
    ExpertAvailability,
    ExpertConsent,
    ExpertiseArea,
    ExpertLanguage,
    ExpertProfile,
)
from experts.models.taxonomy import (
    WORKING_PROFICIENCY,
    accepts_field,
    areas_mask,
    languages_mask,
)
from experts.services import ExpertPoolError
from experts.services.cv import cv_validate
from membership.models import Member
from membership.selectors import member_in_good_standing

Status = ExpertProfile.Status


@dataclass
class ExpertDetails:
    """What a member tells the pool about themselves (everything but consent and status)."""

    areas: list[ExpertiseArea]
    summary: str
    years_in_local_government: int = 0
    bio: str = ""
    name_zh: str = ""
    summary_zh: str = ""
    languages: list[tuple[str, int]] = field(default_factory=list)
    engagement_types: list[str] = field(default_factory=list)
    willing_to_travel: bool = False
    availability: list[tuple[date, date]] = field(default_factory=list)
    availability_note: str = ""


def _require_good_standing(member: Member) -> None:
    if not member_in_good_standing(member=member):
        raise ExpertPoolError(
            _(
                "Only members in good standing can join the expert pool. Renew your "
                "membership, then come back to this page."
            )
        )


def _locked_profile(member: Member) -> ExpertProfile | None:
    return ExpertProfile.objects.select_for_update().filter(member=member).first()


def _set_consent(profile: ExpertProfile, consent_text: ConsentText) -> None:
    """Point the profile at `consent_text`, which must be the current version."""
    current = ConsentText.objects.order_by("-version").first()
    if current is None or consent_text.pk != current.pk:
        raise ExpertPoolError(
            _("The consent text has changed since the page was opened. Read it again and agree.")
        )
    profile.consent_text = consent_text
    profile.consented_at = timezone.now()


def _log_consent(profile: ExpertProfile) -> None:
    # Versions are never edited, so the texts of the version are the texts the member read.
    ExpertConsent.objects.create(
        profile=profile,
        consent_text=profile.consent_text,
        consented_at=profile.consented_at,
        texts_shown=profile.consent_text.texts_shown(),
    )


@transaction.atomic
def expert_profile_save(
    *,
    member: Member,
    details: ExpertDetails,
    consent_text: ConsentText | None = None,
    cv=None,
    remove_cv: bool = False,
) -> ExpertProfile:
    """Create or update the member's expert profile.

    Joining (or rejoining after a withdrawal) needs good standing and consent to the current
    text; editing an existing profile keeps its status and consent unless new consent is given.
    """
    profile = _locked_profile(member)
    joining = profile is None or profile.status == Status.WITHDRAWN
    if joining:
        _require_good_standing(member)
        if consent_text is None:
            raise ExpertPoolError(
                _("Tick the consent box to join the pool: we cannot share a profile without it.")
            )
    if profile is None:
        profile = ExpertProfile(member=member)
    if joining:
        profile.status = Status.ACTIVE
        profile.withdrawn_at = None
        profile.paused_at = None
    if not details.areas:
        raise ExpertPoolError(_("Choose at least one area of expertise."))

    profile.summary = details.summary
    profile.bio = details.bio
    profile.name_zh = details.name_zh
    profile.summary_zh = details.summary_zh
    profile.years_in_local_government = details.years_in_local_government
    profile.willing_to_travel = details.willing_to_travel
    profile.availability_note = details.availability_note
    languages = dict(details.languages)
    profile.area_mask = areas_mask(details.areas)
    profile.language_mask = languages_mask(
        code for code, level in languages.items() if level >= WORKING_PROFICIENCY
    )
    for value in EngagementType.values:
        setattr(profile, accepts_field(value), value in details.engagement_types)
    old_cv_name = profile.cv.name if profile.cv else ""
    if cv is not None:
        cv_validate(cv)
        profile.cv.save(cv.name, cv, save=False)
        profile.cv_uploaded_at = timezone.now()
    elif remove_cv:
        profile.cv = ""
        profile.cv_uploaded_at = None
    if consent_text is not None:
        _set_consent(profile, consent_text)
    profile.full_clean(exclude=["member", "cv", "consent_text"])
    profile.save()
    if consent_text is not None:
        _log_consent(profile)

    profile.areas.set(details.areas)
    profile.languages.all().delete()
    ExpertLanguage.objects.bulk_create(
        ExpertLanguage(profile=profile, language=code, proficiency=level)
        for code, level in languages.items()
    )
    profile.availability.all().delete()
    ExpertAvailability.objects.bulk_create(
        ExpertAvailability(profile=profile, starts_on=start, ends_on=end)
        for start, end in details.availability
    )
    if old_cv_name and old_cv_name != (profile.cv.name if profile.cv else ""):
        _delete_file_after_commit(old_cv_name)
    return profile


@transaction.atomic
def expert_consent(*, member: Member, consent_text: ConsentText) -> ExpertProfile:
    """Record consent to the current text; an older text is refused."""
    profile = _locked_profile(member)
    if profile is None or profile.status == Status.WITHDRAWN:
        raise ExpertPoolError(_("Volunteer first: you are not in the expert pool."))
    _set_consent(profile, consent_text)
    profile.save(update_fields=["consent_text", "consented_at", "updated_at"])
    _log_consent(profile)
    return profile


@transaction.atomic
def expert_pause(*, member: Member) -> ExpertProfile:
    """The member is temporarily unavailable: no matching until they resume."""
    profile = _locked_profile(member)
    if profile is None or profile.status != Status.ACTIVE:
        raise ExpertPoolError(_("Only an active expert profile can be paused."))
    profile.status = Status.PAUSED
    profile.paused_at = timezone.now()
    profile.save(update_fields=["status", "paused_at", "updated_at"])
    return profile


@transaction.atomic
def expert_resume(*, member: Member) -> ExpertProfile:
    """Back in the pool after a pause; a pause caused by a lapse ends only with renewal."""
    profile = _locked_profile(member)
    if profile is None or profile.status != Status.PAUSED:
        raise ExpertPoolError(_("Only a paused expert profile can be resumed."))
    _require_good_standing(member)
    profile.status = Status.ACTIVE
    profile.paused_at = None
    profile.paused_for_lapse = False
    profile.save(update_fields=["status", "paused_at", "paused_for_lapse", "updated_at"])
    return profile


@transaction.atomic
def expert_withdraw(*, member: Member) -> ExpertProfile:
    """Leave the pool: out of search, matching and every future export at once; CV deleted."""
    profile = _locked_profile(member)
    if profile is None or profile.status == Status.WITHDRAWN:
        raise ExpertPoolError(_("You are not in the expert pool."))
    if profile.cv:
        _delete_file_after_commit(profile.cv.name)
    profile.cv = ""
    profile.cv_uploaded_at = None
    profile.status = Status.WITHDRAWN
    profile.withdrawn_at = timezone.now()
    profile.paused_for_lapse = False
    profile.paused_at = None
    profile.save()
    return profile


@transaction.atomic
def experts_pause_for_lapse(*, member_ids: QuerySet) -> int:
    """A lapsed membership pauses an active profile and tells the member why. However many
    members `member_ids` (a one-column queryset) holds, the profiles are paused in one UPDATE,
    and the notices are queued in chunks. Returns how many profiles it paused."""
    paused_at = timezone.now()
    # The UPDATE rechecks `active` on each row it locks: a profile paused or withdrawn
    # meanwhile is left alone, and a second run finds nothing to pause.
    paused = ExpertProfile.objects.filter(member_id__in=member_ids, status=Status.ACTIVE).update(
        status=Status.PAUSED, paused_for_lapse=True, paused_at=paused_at, updated_at=paused_at
    )
    if paused:
        # The rows just paused: locked by this transaction, and they alone carry `paused_at`.
        notifications.send_paused_for_lapse_all(paused_at=paused_at)
    return paused


def expert_pause_for_lapse(*, member: Member) -> ExpertProfile | None:
    """The same rule for one member (a cancelled or refunded membership)."""
    if not experts_pause_for_lapse(member_ids=Member.objects.filter(pk=member.pk).values("pk")):
        return None
    return ExpertProfile.objects.get(member=member)


@transaction.atomic
def expert_resume_after_reinstatement(*, member: Member) -> ExpertProfile | None:
    """Renewal undoes only a pause the lapse caused; a pause the member chose stays."""
    profile = _locked_profile(member)
    if profile is None or not profile.paused_for_lapse:
        return None
    profile.status = Status.ACTIVE
    profile.paused_for_lapse = False
    profile.paused_at = None
    profile.save(update_fields=["status", "paused_for_lapse", "paused_at", "updated_at"])
    notifications.send_resumed(profile_id=profile.pk)
    return profile


@transaction.atomic
def consent_text_publish(*, body: str, by, body_zh: str = "") -> ConsentText:
    """A new version becomes current at once; everyone must consent to it again. Members read
    the English and the Chinese text side by side."""
    body, body_zh = body.strip(), body_zh.strip()
    if not body:
        raise ExpertPoolError(_("Write the consent text before publishing it."))
    latest = ConsentText.objects.select_for_update().order_by("-version").first()
    version = latest.version + 1 if latest else 1
    return ConsentText.objects.create(version=version, body=body, body_zh=body_zh, published_by=by)


def _delete_file_after_commit(name: str) -> None:
    storage = ExpertProfile._meta.get_field("cv").storage
    transaction.on_commit(lambda: storage.delete(name))
