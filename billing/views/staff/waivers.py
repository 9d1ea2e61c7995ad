from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.staff_forms import WaiverDecisionForm
from billing.staff_selectors import waivers_pending
from membership.models import MembershipRules, WaiverRequest
from membership.permissions import membership_staff_required
from membership.redirects import redirect_to_next_or
from membership.services import lifecycle

WAIVERS_PER_PAGE = 25


@membership_staff_required
@require_GET
def waiver_list(request):
    page = Paginator(waivers_pending(), WAIVERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "rules": MembershipRules.current()}
    return render(request, "billing/staff/waiver_list.html", context)


@membership_staff_required
@require_POST
def waiver_decide(request, pk: int):
    waiver = get_object_or_404(WaiverRequest.objects.select_related("member"), pk=pk)
    form = WaiverDecisionForm(request.POST)
    name = waiver.member.display_name
    if not form.is_valid():
        problems = form.non_field_errors() or [_("Choose approve or decline.")]
        messages.error(request, " ".join(problems))
        return _back(request)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decided = lifecycle.waiver_decide(
            request_id=waiver.pk,
            approve=approve,
            decided_by=request.user,
            note=form.cleaned_data["note"].strip(),
            on=timezone.localdate(),
        )
    except ValidationError as refused:
        why = " ".join(refused.messages)
        if approve:
            why = _("The waiver for %(name)s was not approved: %(why)s") % {
                "name": name,
                "why": why,
            }
        messages.error(request, why)
    else:
        if approve:
            messages.success(
                request,
                _("Waiver approved for %(name)s: dues are waived until %(until)s.")
                % {"name": name, "until": date_format(decided.term.end_on, "M j, Y")},
            )
        else:
            messages.success(request, _("Waiver declined for %(name)s.") % {"name": name})
    return _back(request)


def _back(request):
    return redirect_to_next_or(request, request.POST.get("next", ""), "billing_staff:waiver_list")
