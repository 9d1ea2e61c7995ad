"""The e-mails experts receive, queued in the outbox in the transaction of the change that
causes them. Each function reloads its rows by id and returns whether it queued anything."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from communications.services.outbox import Draft, message_queue, messages_queue
from experts.models import Engagement, ExpertProfile

# Lapse notices rendered and queued together (see `send_paused_for_lapse_all`).
NOTICE_CHUNK = 2_000


def _send(*, template: str, to: str, context: dict, key: str, user_id: int, facts: dict) -> None:
    message_queue(
        to=to,
        template=f"experts/email/{template}",
        context=context,
        user=user_id,
        key=key,
        facts=facts,
    )


def _profile(profile_id: int, **state) -> ExpertProfile | None:
    return (
        ExpertProfile.objects.select_related("member__user").filter(pk=profile_id, **state).first()
    )


def _pool_context(profile: ExpertProfile) -> dict:
    return {"member": profile.member, "pool_url": settings.SITE_URL + reverse("experts:mine")}


def send_paused_for_lapse(*, profile_id: int) -> bool:
    """Only while the lapse pause lasts: a renewal that came first makes the notice moot."""
    profile = _profile(profile_id, paused_for_lapse=True)
    if profile is None:
        return False
    _send(
        template="paused_for_lapse",
        to=profile.member.user.email,
        context=_pool_context(profile),
        key=_paused_key(profile),
        user_id=profile.member.user_id,
        facts={"profile_id": profile.pk},
    )
    return True


def send_paused_for_lapse_all(*, paused_at, chunk: int = NOTICE_CHUNK) -> int:
    """The notice of `send_paused_for_lapse` for every profile the lapse paused at `paused_at`
    (one statement paused them all), queued `chunk` at a time, by profile id."""
    profiles = ExpertProfile.objects.select_related("member__user").filter(
        paused_for_lapse=True, paused_at=paused_at
    )
    pool_url = settings.SITE_URL + reverse("experts:mine")
    queued, after = 0, 0
    while True:
        batch = list(profiles.filter(pk__gt=after).order_by("pk")[:chunk])
        messages_queue([_paused_for_lapse_draft(p, pool_url) for p in batch])
        queued += len(batch)
        if len(batch) < chunk:
            return queued
        after = batch[-1].pk


def _paused_for_lapse_draft(profile: ExpertProfile, pool_url: str) -> Draft:
    return Draft(
        to=profile.member.user.email,
        template="experts/email/paused_for_lapse",
        context={"member": profile.member, "pool_url": pool_url},
        user_id=profile.member.user_id,
        key=_paused_key(profile),
        facts={"profile_id": profile.pk},
    )


def _paused_key(profile: ExpertProfile) -> str:
    return f"expert-paused-{profile.pk}-{profile.paused_at.isoformat()}"


def send_resumed(*, profile_id: int) -> bool:
    profile = _profile(profile_id, status=ExpertProfile.Status.ACTIVE)
    if profile is None:
        return False
    _send(
        template="resumed",
        to=profile.member.user.email,
        context=_pool_context(profile),
        key=None,
        user_id=profile.member.user_id,
        facts={"profile_id": profile.pk},
    )
    return True


def send_invitation(*, engagement_id: int) -> bool:
    """Once per invitation: the row lock makes two deliveries of the task send one e-mail."""
    with transaction.atomic():
        engagement = (
            Engagement.objects.select_for_update(of=("self",))
            .select_related("request__partner", "profile__member__user")
            .filter(pk=engagement_id, status=Engagement.Status.INVITED)
            .filter(invitation_sent_at__isnull=True)
            .first()
        )
        if engagement is None:
            return False
        url = settings.SITE_URL + reverse("experts:invitation", args=[engagement.pk])
        _send(
            template="invitation",
            to=engagement.profile.member.user.email,
            context={
                "member": engagement.profile.member,
                "request": engagement.request,
                "invitation_url": url,
            },
            key=f"expert-invitation-{engagement.pk}",
            user_id=engagement.profile.member.user_id,
            facts={"engagement_id": engagement.pk, "request_id": engagement.request_id},
        )
        engagement.invitation_sent_at = timezone.now()
        engagement.save(update_fields=["invitation_sent_at"])
        return True
