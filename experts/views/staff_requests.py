"""Staff screens for assistance requests: list, edit, engagements, dossier."""

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from experts.dossier import dossier_context, dossier_fields, dossier_language
from experts.dossier import dossier_pdf as dossier_pdf_render
from experts.forms import AssistanceRequestForm
from experts.models import (
    AssistanceRequest,
    DossierExport,
    Engagement,
    ExpertProfile,
)
from experts.selectors import (
    assistance_requests,
    current_consent_text,
    dossier_experts,
    dossier_exports,
    engagements_for_request,
)
from experts.services import ExpertPoolError
from experts.services.requests import (
    assistance_request_save,
    dossier_export_record,
    engagement_invite,
    engagement_recommend,
    engagement_remove,
    engagement_shortlist,
)
from experts.views import paginate
from membership.permissions import international_staff_required
from membership.redirects import redirect_to_next_or


def assistance_request_or_404(pk: int) -> AssistanceRequest:
    return get_object_or_404(AssistanceRequest.objects.select_related("partner"), pk=pk)


@international_staff_required
def request_list(request):
    status = request.GET.get("status", "")
    page = paginate(request, assistance_requests(status=status))
    return render(
        request,
        "experts/staff/request_list.html",
        {"page": page, "status": status, "statuses": AssistanceRequest.Status.choices},
    )


@international_staff_required
@require_http_methods(["GET", "POST"])
def request_edit(request, pk: int | None = None):
    instance = assistance_request_or_404(pk) if pk else None
    form = AssistanceRequestForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = assistance_request_save(
                    request=instance,
                    topics=list(form.cleaned_data["topics"]),
                    by=request.user,
                    **form.service_fields(),
                )
            except ExpertPoolError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The request has been saved."))
                return redirect("experts:staff_request", pk=saved.pk)
        else:
            messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    return render(request, "experts/staff/request_form.html", {"form": form, "instance": instance})


@international_staff_required
def request_detail(request, pk: int):
    assistance = assistance_request_or_404(pk)
    consent = current_consent_text()
    return render(
        request,
        "experts/staff/request_detail.html",
        {
            "assistance": assistance,
            "topics": list(assistance.topics.all()),
            "engagements": list(engagements_for_request(request=assistance)),
            "exports": list(dossier_exports(request=assistance)[:10]),
            "current_consent_id": consent.pk if consent else None,
            "dossier_languages": DossierExport.Language.choices,
        },
    )


@international_staff_required
@require_POST
def engagement_add(request, pk: int):
    assistance = assistance_request_or_404(pk)
    profile_id = request.POST.get("profile", "")
    if not profile_id.isdigit():
        raise Http404
    profile = get_object_or_404(ExpertProfile, pk=int(profile_id))
    try:
        engagement_shortlist(request=assistance, profile=profile, by=request.user)
    except ExpertPoolError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s is on the shortlist.") % {"name": profile.member.display_name},
        )
    return redirect_to_next_or(
        request, request.POST.get("next", ""), "experts:staff_request", pk=assistance.pk
    )


ENGAGEMENT_ACTIONS = {
    "invite": (
        lambda engagement, user: engagement_invite(engagement=engagement, by=user),
        gettext_lazy("Invitation sent."),
    ),
    "recommend": (
        lambda engagement, user: engagement_recommend(engagement=engagement, by=user),
        gettext_lazy("Marked as recommended to the partner."),
    ),
    "remove": (
        lambda engagement, user: engagement_remove(engagement=engagement),
        gettext_lazy("Taken off the shortlist."),
    ),
}


@international_staff_required
@require_POST
def engagement_action(request, pk: int, engagement_pk: int, action: str):
    engagement = get_object_or_404(Engagement, pk=engagement_pk, request_id=pk)
    if action not in ENGAGEMENT_ACTIONS:
        raise Http404
    service, success = ENGAGEMENT_ACTIONS[action]
    try:
        service(engagement, request.user)
    except ExpertPoolError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("experts:staff_request", pk=pk)


CSV_HEADER = [
    "Member number",
    "Name",
    "E-mail",
    "Job title",
    "Employer",
    "Country",
    "State or province",
    "Years in local government",
    "Areas of expertise",
    "Languages",
    "Engagement types",
    "Willing to travel to China",
    "Summary",
    "Biography",
    "Consent version",
    "Consented at",
]


def _safe_cell(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    text = str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _csv_row(profile: ExpertProfile) -> list[str]:
    member = profile.member
    return [
        _safe_cell(v)
        for v in (
            member.member_number,
            member.display_name,
            member.user.email,
            member.job_title,
            member.employer,
            member.country.name,
            member.state_province,
            profile.years_in_local_government,
            "; ".join(area.name for area in profile.areas.all()),
            "; ".join(str(language) for language in profile.languages.all()),
            "; ".join(profile.engagement_type_labels),
            "yes" if profile.willing_to_travel else "no",
            profile.summary,
            profile.bio,
            profile.consent_text.version if profile.consent_text else "",
            profile.consented_at.isoformat() if profile.consented_at else "",
        )
    ]


class _Echo:
    def write(self, value):
        return value


@international_staff_required
def dossier_csv(request, pk: int):
    assistance = assistance_request_or_404(pk)
    consent = current_consent_text()
    experts = dossier_experts(request=assistance, consent_text_id=consent.pk if consent else None)
    dossier_export_record(
        request=assistance,
        by=request.user,
        format=DossierExport.Format.CSV,
        experts=experts,
        fields=CSV_HEADER,
    )
    writer = csv.writer(_Echo())

    def rows():
        # A byte-order mark, so spreadsheet programs read the file as UTF-8 (Chinese names).
        yield "\ufeff"
        yield writer.writerow(CSV_HEADER)
        for profile in experts:
            profile.consent_text = consent
            yield writer.writerow(_csv_row(profile))

    filename = f"icma-experts-request-{assistance.pk}-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _dossier(request, pk: int, format: str):
    """The request, its shareable experts and the language asked for; the export is logged
    (with the fields sent) before anything is rendered."""
    assistance = assistance_request_or_404(pk)
    consent = current_consent_text()
    experts = dossier_experts(request=assistance, consent_text_id=consent.pk if consent else None)
    language = dossier_language(request.GET.get("lang"))
    dossier_export_record(
        request=assistance,
        by=request.user,
        format=format,
        experts=experts,
        fields=dossier_fields(language),
        language=language,
    )
    return {
        "assistance": assistance,
        "experts": experts,
        "topics": list(assistance.topics.all()),
        "language": language,
    }


@international_staff_required
def dossier_print(request, pk: int):
    context = dossier_context(for_print=False, **_dossier(request, pk, DossierExport.Format.PRINT))
    response = render(request, "experts/staff/dossier_print.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@international_staff_required
def dossier_pdf(request, pk: int):
    args = _dossier(request, pk, DossierExport.Format.PDF)
    pdf = dossier_pdf_render(**args)
    suffix = {"en": "en", "zh-hans": "zh", "both": "en-zh"}[args["language"]]
    filename = f"icma-experts-request-{pk}-{suffix}-{timezone.localdate():%Y%m%d}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
