"""The e-mails experts receive. Called from experts.tasks; each function reloads its rows by
id and returns whether it sent anything."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from experts.models import Engagement, ExpertProfile


def _send(*, template: str, to: str, context: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string(f"experts/email/{template}_subject.txt", context).strip(),
        message=render_to_string(f"experts/email/{template}.txt", context),
        from_email=None,
        recipient_list=[to],
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
    _send(template="paused_for_lapse", to=profile.member.user.email, context=_pool_context(profile))
    return True


def send_resumed(*, profile_id: int) -> bool:
    profile = _profile(profile_id, status=ExpertProfile.Status.ACTIVE)
    if profile is None:
        return False
    _send(template="resumed", to=profile.member.user.email, context=_pool_context(profile))
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
        )
        engagement.invitation_sent_at = timezone.now()
        engagement.save(update_fields=["invitation_sent_at"])
        return True
