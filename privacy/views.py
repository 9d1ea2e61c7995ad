from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from membership.models import MembershipRules
from membership.permissions import membership_staff_required
from membership.selectors import member_by_number, member_for_user
from privacy.forms import CloseOwnAccountForm, StaffCloseForm, StaffReasonForm
from privacy.models import AccountClosure, DataDownload
from privacy.registry import SECTIONS
from privacy.services.closure import ClosureError, account_close
from privacy.services.download import data_download_build


def _zip_response(member, *, actor, reason="", by_staff=False):
    archive, filename = data_download_build(
        member=member, actor=actor, reason=reason, by_staff=by_staff
    )
    if archive._rolled:  # past SPOOL_BYTES, on disk: streamed, closed with the response
        response = FileResponse(archive, content_type="application/zip")
    else:  # a member's data is usually small: sent from memory, the spool closed now
        with archive:
            response = HttpResponse(archive.read(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _retention_years() -> int:
    return MembershipRules.current().financial_retention_years


@login_required
@require_GET
def privacy_home(request):
    member = member_for_user(user=request.user)
    context = {
        "member": member,
        "sections": SECTIONS.values(),
        "downloads": DataDownload.objects.filter(member=member)[:10],
        "retention_years": _retention_years(),
    }
    return render(request, "privacy/home.html", context)


@login_required
@require_GET
def download(request):
    member = member_for_user(user=request.user)
    return _zip_response(member, actor=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def close(request):
    member = member_for_user(user=request.user)
    form = CloseOwnAccountForm(request.POST or None, email=member.user.email)
    if request.method == "POST" and form.is_valid():
        try:
            account_close(member=member, actor=request.user, by_staff=False)
        except ClosureError as error:
            messages.error(request, str(error))
            return redirect("privacy:home")
        logout(request)
        return redirect("privacy:closed")
    context = {"member": member, "form": form, "retention_years": _retention_years()}
    return render(request, "privacy/close.html", context)


@require_GET
def closed(request):
    return render(request, "privacy/closed.html", {"retention_years": _retention_years()})


@membership_staff_required
@require_GET
def staff_member(request, member_number: str):
    member = member_by_number(member_number=member_number)
    return render(request, "privacy/staff_member.html", _staff_context(member))


def _staff_context(member, *, download_form=None, close_form=None):
    return {
        "member": member,
        "closure": AccountClosure.objects.filter(member=member).first(),
        "downloads": DataDownload.objects.filter(member=member).select_related("downloaded_by")[
            :20
        ],
        "download_form": download_form or StaffReasonForm(prefix="download"),
        "close_form": close_form
        or StaffCloseForm(prefix="close", member_number=member.member_number),
        "retention_years": _retention_years(),
    }


@membership_staff_required
@require_POST
def staff_download(request, member_number: str):
    member = member_by_number(member_number=member_number)
    form = StaffReasonForm(request.POST, prefix="download")
    if not form.is_valid():
        messages.error(request, _("Write why the data is being produced; nothing was downloaded."))
        return render(
            request,
            "privacy/staff_member.html",
            _staff_context(member, download_form=form),
            status=400,
        )
    return _zip_response(
        member, actor=request.user, reason=form.cleaned_data["reason"], by_staff=True
    )


@membership_staff_required
@require_POST
def staff_close(request, member_number: str):
    member = member_by_number(member_number=member_number)
    form = StaffCloseForm(request.POST, prefix="close", member_number=member.member_number)
    if form.is_valid():
        try:
            account_close(
                member=member,
                actor=request.user,
                by_staff=True,
                reason=form.cleaned_data["reason"],
            )
        except ClosureError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Account %(number)s is closed; its personal data has been erased.")
                % {"number": member.member_number},
            )
        return redirect("privacy:staff_member", member_number=member.member_number)
    messages.error(request, _("The account was not closed: see the form below."))
    return render(
        request, "privacy/staff_member.html", _staff_context(member, close_form=form), status=400
    )
