"""The member's side of the pool: volunteer, consent, pause, withdraw, CV, invitations.

Every view works on the signed-in member's own rows only; there is no id to guess.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from experts.forms import ConsentForm, ExpertProfileForm, InvitationAnswerForm
from experts.models import ConsentText, ExpertProfile
from experts.selectors import (
    current_consent_text,
    expert_profile_for_member,
    exports_of_profile,
    invitation_for_member,
    invitations_for_member,
)
from experts.services import ExpertPoolError
from experts.services.cv import cv_download_record
from experts.services.profiles import (
    expert_consent,
    expert_pause,
    expert_profile_save,
    expert_resume,
    expert_withdraw,
)
from experts.services.requests import engagement_respond
from membership.selectors import member_for_user, member_in_good_standing

Status = ExpertProfile.Status


def _in_pool(profile: ExpertProfile | None) -> bool:
    return profile is not None and profile.status != Status.WITHDRAWN


@login_required
def mine(request):
    member = member_for_user(user=request.user)
    profile = expert_profile_for_member(member=member)
    consent_text = current_consent_text()
    context = {
        "member": member,
        "profile": profile if _in_pool(profile) else None,
        "consent_text": consent_text,
        "consent_current": _in_pool(profile)
        and profile.consent_is_current(consent_text.pk if consent_text else None),
        "invitations": list(invitations_for_member(member=member)[:50]),
        # Who has received this expert's profile: newest 100 exports (cross-border transparency).
        "shares": list(exports_of_profile(profile=profile)[:100]) if _in_pool(profile) else [],
    }
    return render(request, "experts/mine.html", context)


def _not_eligible(request, member):
    """The pool is for members in good standing: the page says where this member stands and
    offers their own next step (join, pay the open invoice, renew in grace, rejoin)."""
    from billing.selectors import membership_overview

    step = membership_overview(member=member, on=timezone.localdate(), detail=False).next_step
    return render(
        request, "experts/not_eligible.html", {"member": member, "step": step}, status=403
    )


@login_required
@require_http_methods(["GET", "POST"])
def volunteer(request):
    member = member_for_user(user=request.user)
    if not member_in_good_standing(member=member):
        return _not_eligible(request, member)
    profile = expert_profile_for_member(member=member)
    consent_text = current_consent_text()
    joining = not _in_pool(profile)
    needs_consent = joining or not profile.consent_is_current(
        consent_text.pk if consent_text else None
    )
    form = ExpertProfileForm(
        request.POST or None,
        request.FILES or None,
        profile=profile if _in_pool(profile) else None,
        needs_consent=needs_consent,
        initial={"consent_version": consent_text.version if consent_text else None},
    )
    if request.method == "POST":
        if form.is_valid():
            agreed = None
            if form.cleaned_data.get("consent"):
                version = form.cleaned_data.get("consent_version")
                agreed = ConsentText.objects.filter(version=version).first()
            try:
                expert_profile_save(
                    member=member,
                    details=form.details(),
                    consent_text=agreed,
                    cv=form.cleaned_data.get("cv"),
                    remove_cv=form.cleaned_data.get("remove_cv", False),
                )
            except ExpertPoolError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("Welcome to the expert pool. Thank you for volunteering.")
                    if joining
                    else _("Your expert profile has been saved."),
                )
                return redirect("experts:mine")
        else:
            messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    context = {
        "form": form,
        "joining": joining,
        "needs_consent": needs_consent,
        "consent_text": consent_text,
        "profile": profile if _in_pool(profile) else None,
    }
    return render(request, "experts/volunteer_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consent(request):
    member = member_for_user(user=request.user)
    profile = expert_profile_for_member(member=member)
    if not _in_pool(profile):
        return redirect("experts:volunteer")
    consent_text = current_consent_text()
    form = ConsentForm(request.POST or None, initial={"version": consent_text.version})
    if request.method == "POST" and form.is_valid():
        agreed = ConsentText.objects.filter(version=form.cleaned_data["version"]).first()
        try:
            expert_consent(member=member, consent_text=agreed or consent_text)
        except ExpertPoolError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you: your consent has been recorded."))
            return redirect("experts:mine")
    context = {
        "form": form,
        "consent_text": consent_text,
        "already": profile.consent_is_current(consent_text.pk),
    }
    return render(request, "experts/consent.html", context)


@login_required
@require_POST
def pause(request):
    return _status_change(request, expert_pause, _("Your expert profile is paused."))


@login_required
@require_POST
def resume(request):
    return _status_change(request, expert_resume, _("Welcome back: your profile is active again."))


def _status_change(request, service, success: str):
    member = member_for_user(user=request.user)
    try:
        service(member=member)
    except ExpertPoolError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("experts:mine")


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request):
    member = member_for_user(user=request.user)
    profile = expert_profile_for_member(member=member)
    if not _in_pool(profile):
        return redirect("experts:mine")
    if request.method == "POST":
        expert_withdraw(member=member)
        messages.success(
            request,
            _(
                "You have left the expert pool and your CV has been deleted. You can volunteer "
                "again at any time."
            ),
        )
        return redirect("experts:mine")
    return render(request, "experts/withdraw_confirm.html", {"profile": profile})


@login_required
def cv_own(request):
    member = member_for_user(user=request.user)
    profile = expert_profile_for_member(member=member)
    if profile is None or not profile.cv:
        raise Http404
    return cv_response(profile, by=request.user)


def cv_response(profile: ExpertProfile, *, by) -> FileResponse:
    """The CV as a download; the download is logged (`cv_download_record`)."""
    response = FileResponse(
        profile.cv.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"cv-{profile.member.member_number}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    cv_download_record(profile=profile, by=by)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request, pk: int):
    member = member_for_user(user=request.user)
    engagement = invitation_for_member(member=member, pk=pk)
    form = InvitationAnswerForm(request.POST or None)
    answer = request.POST.get("answer")
    if request.method == "POST" and answer not in {"accept", "decline"}:
        messages.error(request, _("Choose “Accept” or “Decline” to answer the invitation."))
    elif request.method == "POST" and engagement.awaits_answer and form.is_valid():
        accept = answer == "accept"
        try:
            engagement_respond(engagement=engagement, accept=accept, note=form.cleaned_data["note"])
        except ExpertPoolError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Thank you: you accepted. ICMA staff will be in touch about next steps.")
                if accept
                else _("Thank you for letting us know; you declined this invitation."),
            )
        return redirect("experts:invitation", pk=engagement.pk)
    return render(request, "experts/invitation.html", {"engagement": engagement, "form": form})
