"""E-mails to experts. Called through `transaction.on_commit`, so a rolled-back change sends
nothing; each function reloads its rows by id."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from experts.models import Engagement, ExpertProfile


def _send(*, template: str, to: str, context: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    send_mail(
        subject=render_to_string(f"experts/email/{template}_subject.txt", context).strip(),
        message=render_to_string(f"experts/email/{template}.txt", context),
        from_email=None,
        recipient_list=[to],
    )


def _profile_context(profile_id: int) -> tuple[ExpertProfile | None, dict]:
    profile = ExpertProfile.objects.select_related("member__user").filter(pk=profile_id).first()
    if profile is None:
        return None, {}
    pool_url = settings.SITE_URL + reverse("experts:mine")
    return profile, {"member": profile.member, "pool_url": pool_url}


def send_paused_for_lapse(*, profile_id: int) -> None:
    profile, context = _profile_context(profile_id)
    if profile is not None:
        _send(template="paused_for_lapse", to=profile.member.user.email, context=context)


def send_resumed(*, profile_id: int) -> None:
    profile, context = _profile_context(profile_id)
    if profile is not None:
        _send(template="resumed", to=profile.member.user.email, context=context)


def send_invitation(*, engagement_id: int) -> None:
    engagement = (
        Engagement.objects.select_related("request__partner", "profile__member__user")
        .filter(pk=engagement_id, status=Engagement.Status.INVITED)
        .first()
    )
    if engagement is None:
        return
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
