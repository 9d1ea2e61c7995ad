"""Staff screens over the pool itself: overview, search, one expert, CVs, consent texts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from experts.access import cv_downloadable, expert_data_visible
from experts.forms import ConsentTextForm, PoolSearchForm
from experts.models import ConsentText, ExpertProfile
from experts.selectors import (
    cv_downloads,
    cv_profile_for_staff,
    dossier_exports,
    experts_search,
    pool_overview,
)
from experts.services import ExpertPoolError
from experts.services.profiles import consent_text_publish
from experts.views import paginate
from experts.views.member import cv_response
from membership.permissions import international_staff_required

CV_DOWNLOADS_SHOWN = 50


@international_staff_required
def overview(request):
    return render(request, "experts/staff/overview.html", {"overview": pool_overview()})


@international_staff_required
def search(request):
    form = PoolSearchForm(request.GET or None)
    profiles = ExpertProfile.objects.none()
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if form.is_bound else {}
        profiles = experts_search(**{k: v for k, v in data.items() if v})
    page = paginate(request, profiles.prefetch_related("areas", "languages"))
    consent = ConsentText.objects.order_by("-version").values_list("pk", flat=True).first()
    return render(
        request,
        "experts/staff/search.html",
        {"form": form, "page": page, "current_consent_id": consent},
    )


@international_staff_required
def profile_detail(request, pk: int):
    profile = get_object_or_404(
        ExpertProfile.objects.select_related("member__user", "consent_text").prefetch_related(
            "areas", "languages", "availability"
        ),
        pk=pk,
    )
    if profile.status == ExpertProfile.Status.WITHDRAWN:
        # A withdrawn member has left the pool: staff keep no view of what they shared.
        raise Http404
    if not expert_data_visible(user=request.user, profile=profile):
        raise Http404
    engagements = profile.engagements.select_related("request__partner").order_by("-shortlisted_at")
    current = ConsentText.objects.order_by("-version").first()
    current_id = current.pk if current else None
    return render(
        request,
        "experts/staff/profile_detail.html",
        {
            "profile": profile,
            "engagements": engagements,
            "consent_current": profile.consent_is_current(current_id),
            "cv_downloadable": cv_downloadable(
                user=request.user, profile=profile, current_consent_id=current_id
            ),
            "cv_downloads": list(cv_downloads(profile=profile)[:CV_DOWNLOADS_SHOWN]),
        },
    )


@login_required
def profile_cv(request, pk: int):
    # Not the group decorator: anyone the CV rule (`cv_downloadable`) refuses gets a 404 here,
    # including staff when the expert has not consented to the current consent text.
    profile = cv_profile_for_staff(user=request.user, pk=pk)
    return cv_response(profile, by=request.user)


@international_staff_required
@require_http_methods(["GET", "POST"])
def consent_texts(request):
    current = ConsentText.objects.order_by("-version").first()
    # The new version starts from the current wording in both languages.
    initial = {"body": current.body, "body_zh": current.body_zh} if current else {}
    form = ConsentTextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            text = consent_text_publish(
                body=form.cleaned_data["body"],
                body_zh=form.cleaned_data["body_zh"],
                by=request.user,
            )
        except ExpertPoolError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s is published. Experts must consent again before they are "
                    "matched or exported."
                )
                % {"version": text.version},
            )
            return redirect("experts:staff_consent")
    texts = ConsentText.objects.select_related("published_by")
    return render(request, "experts/staff/consent_texts.html", {"form": form, "texts": texts})


@international_staff_required
def exports_log(request):
    page = paginate(request, dossier_exports())
    context = {"page": page, "cv_downloads": list(cv_downloads()[:CV_DOWNLOADS_SHOWN])}
    return render(request, "experts/staff/exports_log.html", context)
