"""Services for assistance requests, engagements and dossier exports."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from experts import notifications
from experts.models import AssistanceRequest, DossierExport, Engagement, ExpertProfile
from experts.services import ExpertPoolError

REQUEST_FIELDS = (
    "partner",
    "title",
    "description",
    "title_zh",
    "description_zh",
    "city",
    "province",
    "starts_on",
    "ends_on",
    "engagement_type",
    "languages_needed",
    "experts_wanted",
    "status",
)


@transaction.atomic
def assistance_request_save(
    *, request: AssistanceRequest | None = None, topics, by, **fields
) -> AssistanceRequest:
    """Create a request (when `request` is None) or change one; topics are required."""
    unknown = set(fields) - set(REQUEST_FIELDS)
    if unknown:
        raise TypeError(f"Unknown request fields: {sorted(unknown)}")
    if not topics:
        raise ExpertPoolError(_("Choose at least one topic: matching is by shared topics."))
    if request is None:
        request = AssistanceRequest(created_by=by)
    else:
        request = AssistanceRequest.objects.select_for_update().get(pk=request.pk)
    for name, value in fields.items():
        setattr(request, name, value)
    request.full_clean(exclude=["created_by"])
    request.save()
    request.topics.set(topics)
    return request


def _advance_request(request_id: int, status: str) -> None:
    """Move an open request forward to `status`; never backwards, never out of filled/closed."""
    order = [s.value for s in AssistanceRequest.Status]
    request = AssistanceRequest.objects.select_for_update().get(pk=request_id)
    if request.is_active and order.index(request.status) < order.index(status):
        request.status = status
        request.save(update_fields=["status", "updated_at"])


def _locked_engagement(engagement: Engagement) -> Engagement:
    return Engagement.objects.select_for_update().select_related("profile").get(pk=engagement.pk)


@transaction.atomic
def engagement_shortlist(*, request: AssistanceRequest, profile: ExpertProfile, by) -> Engagement:
    """Put an active pool expert on the request's shortlist (once; again is a no-op)."""
    if not request.is_active:
        raise ExpertPoolError(_("This request is filled or closed; reopen it to shortlist."))
    if profile.status != ExpertProfile.Status.ACTIVE:
        raise ExpertPoolError(_("This expert is not available in the pool right now."))
    engagement, _created = Engagement.objects.get_or_create(
        request=request, profile=profile, defaults={"shortlisted_by": by}
    )
    _advance_request(request.pk, AssistanceRequest.Status.SHORTLISTING)
    return engagement


@transaction.atomic
def engagement_invite(*, engagement: Engagement, by) -> Engagement:
    """Invite a shortlisted expert; the e-mail leaves after commit, the dashboard shows it."""
    engagement = _locked_engagement(engagement)
    if engagement.status != Engagement.Status.SHORTLISTED:
        raise ExpertPoolError(_("Only a shortlisted expert can be invited."))
    if engagement.profile.status != ExpertProfile.Status.ACTIVE:
        raise ExpertPoolError(_("This expert has paused or left the pool; choose another."))
    engagement.status = Engagement.Status.INVITED
    engagement.invited_at = timezone.now()
    engagement.invited_by = by
    engagement.save(update_fields=["status", "invited_at", "invited_by"])
    notifications.send_invitation(engagement_id=engagement.pk)
    return engagement


@transaction.atomic
def engagement_respond(*, engagement: Engagement, accept: bool, note: str = "") -> Engagement:
    """The invited member accepts or declines, once, with an optional note."""
    engagement = _locked_engagement(engagement)
    if engagement.status != Engagement.Status.INVITED:
        raise ExpertPoolError(_("You have already answered this invitation."))
    engagement.status = Engagement.Status.ACCEPTED if accept else Engagement.Status.DECLINED
    engagement.responded_at = timezone.now()
    engagement.response_note = note.strip()
    engagement.save(update_fields=["status", "responded_at", "response_note"])
    return engagement


@transaction.atomic
def engagement_recommend(*, engagement: Engagement, by) -> Engagement:
    """Only an expert who accepted can be recommended to the partner."""
    engagement = _locked_engagement(engagement)
    if engagement.status != Engagement.Status.ACCEPTED:
        raise ExpertPoolError(_("Only an expert who accepted the invitation can be recommended."))
    engagement.status = Engagement.Status.RECOMMENDED
    engagement.recommended_at = timezone.now()
    engagement.recommended_by = by
    engagement.save(update_fields=["status", "recommended_at", "recommended_by"])
    _advance_request(engagement.request_id, AssistanceRequest.Status.RECOMMENDED)
    return engagement


@transaction.atomic
def engagement_remove(*, engagement: Engagement) -> None:
    """Take an expert off the shortlist before they are invited."""
    engagement = _locked_engagement(engagement)
    if engagement.status != Engagement.Status.SHORTLISTED:
        raise ExpertPoolError(_("Only an expert not yet invited can be taken off the shortlist."))
    engagement.delete()


@transaction.atomic
def dossier_export_record(
    *,
    request: AssistanceRequest,
    by,
    format: str,
    experts: list[ExpertProfile],
    fields: list[str] | tuple[str, ...] = (),
    language: str = DossierExport.Language.ENGLISH,
) -> DossierExport:
    """Log an export before any data leaves: who, when, to which partner, in which format,
    whose profiles and which of their fields."""
    export = DossierExport.objects.create(
        request=request,
        exported_by=by,
        format=format,
        expert_count=len(experts),
        fields=list(fields),
        language=language,
    )
    export.experts.set(experts)
    return export
