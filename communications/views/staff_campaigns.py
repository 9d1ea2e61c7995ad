"""Staff screens for bulk mail: compose for a segment, preview, confirm, follow progress."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.staff_forms import MemberSearchForm
from billing.staff_selectors import MemberFilters, member_categories
from communications.forms import CampaignForm
from communications.models import Campaign
from communications.services.campaigns import (
    campaign_preview,
    campaign_progress,
    campaign_start,
    campaign_stop,
    segment_preview,
)
from communications.services.templates import TemplateRefused
from communications.templating.library import SAFE_FILTERS, SAFE_TAGS
from communications.templating.registry import BULK_SPEC, SITE
from membership.permissions import membership_staff_required

PER_PAGE = 25


@membership_staff_required
@require_GET
def campaign_list(request):
    campaigns = Campaign.objects.select_related("created_by").order_by("-created_at", "-id")
    page = Paginator(campaigns, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "communications/staff/campaign_list.html", {"page": page})


@membership_staff_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    """GET: the segment from the member search's query string. POST `preview`: count, sample
    and the message rendered for the first member. POST `send` with the box ticked: start."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    search = MemberSearchForm(data, categories=member_categories())
    filters = search.filters()
    form = CampaignForm(request.POST or None)
    segment = segment_preview(filters)
    preview = None
    if request.method == "POST" and form.is_valid():
        message = form.cleaned_data
        try:
            if segment["sample"]:
                preview = campaign_preview(
                    subject=message["subject"],
                    body_text=message["body_text"],
                    member=segment["sample"][0],
                )
            if request.POST.get("action") == "send":
                if not segment["count"]:
                    form.add_error(None, _("No member matches these filters: nothing to send."))
                elif not message["confirm"]:
                    form.add_error("confirm", _("Tick the box to confirm the send."))
                else:
                    campaign = campaign_start(
                        filters=filters,
                        subject=message["subject"],
                        body_text=message["body_text"],
                        rate_per_minute=message["rate_per_minute"],
                        user=request.user,
                    )
                    messages.success(request, _("Sending has started."))
                    return redirect("communications_staff:campaign_detail", campaign.pk)
        except TemplateRefused as refused:
            form.add_error("body_text", str(refused))
            preview = None
    context = {
        "search": search,
        "form": form,
        "segment": segment,
        "preview": preview,
        "filtered": filters != MemberFilters(),
        "variables": [*BULK_SPEC.variables.items(), *SITE.items()],
        "safe_tags": sorted(SAFE_TAGS),
        "safe_filters": sorted(SAFE_FILTERS),
    }
    return render(request, "communications/staff/campaign_new.html", context)


def _progress_shown(campaign: Campaign) -> dict:
    """The campaign's progress with the label staff read beside it, the same on the page and
    in the JSON its progress script polls."""
    progress = campaign_progress(campaign)
    label = _("Finished") if progress["finished"] else campaign.get_state_display()
    return {**progress, "state_label": label}


@membership_staff_required
@require_GET
def campaign_detail(request, campaign_id: int):
    campaign = get_object_or_404(Campaign.objects.select_related("created_by"), pk=campaign_id)
    context = {
        "campaign": campaign,
        "progress": _progress_shown(campaign),
        "filters": MemberFilters.from_dict(campaign.filters),
    }
    return render(request, "communications/staff/campaign_detail.html", context)


@membership_staff_required
@require_GET
def campaign_progress_json(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return JsonResponse(_progress_shown(campaign))


@membership_staff_required
@require_POST
def campaign_stop_view(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    campaign_stop(campaign=campaign)
    messages.success(request, _("The campaign was stopped; copies not yet sent will not go out."))
    return redirect("communications_staff:campaign_detail", campaign.pk)
