"""The matching page: the pool ranked for one request, with the reasons for each place."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from experts.forms import MatchFilterForm
from experts.models import AssistanceRequest, Engagement, ExpertProfile
from experts.selectors import (
    RANKED_ROW_FIELDS,
    current_consent_text_id,
    experts_for_ranked_rows,
    experts_matching,
    request_date_range,
)
from experts.views import paginate_capped
from experts.views.staff_requests import assistance_request_or_404
from membership.permissions import international_staff_required

# The matching page counts at most this many matches (and one more, to know there are more).
MATCHES_COUNTED = 1000
# `experts_matching`'s order, over the columns of its ranked rows (RANKED_ROW_FIELDS).
RANKED_ORDER_SQL = "score DESC, shared_topic_count DESC, years_in_local_government DESC, pk"


@dataclass
class MatchRow:
    rank: int
    profile: ExpertProfile
    url: str
    details: str
    reasons: list[tuple[str, bool]]  # (what, whether it holds)
    engagement: str | None


def match_reasons(profile: ExpertProfile, request: AssistanceRequest) -> list[tuple[str, bool]]:
    """The parts of the score, in words, as the matching page lists them."""
    names = ", ".join(area.name for area in profile.shared_topics)
    reasons = [
        (
            ngettext("Topic: %(names)s", "%(count)d topics: %(names)s", profile.shared_topic_count)
            % {"count": profile.shared_topic_count, "names": names},
            True,
        )
    ]
    if request.languages_needed:
        spoken = ", ".join(str(language) for language in profile.needed_languages)
        reasons.append(
            (_("Speaks %(languages)s") % {"languages": spoken}, True)
            if profile.speaks_language
            else (_("No needed language"), False)
        )
    reasons.append(
        (_("Accepts this engagement"), True)
        if profile.accepts_type
        else (_("Engagement type not chosen"), False)
    )
    if request_date_range(request):
        reasons.append(
            (_("Available on the dates"), True)
            if profile.available_on_dates
            else (_("Not known to be available"), False)
        )
    if profile.travel_ok:
        reasons.append((_("Will travel to China"), True))
    return reasons


def _details(profile: ExpertProfile) -> str:
    member = profile.member
    place = ", ".join(part for part in (member.country.name, member.state_province) if part)
    years = ngettext(
        "%(count)d year in local government",
        "%(count)d years in local government",
        profile.years_in_local_government,
    ) % {"count": profile.years_in_local_government}
    job = ", ".join(part for part in (member.job_title, member.employer) if part)
    return " · ".join(part for part in (job, place, years) if part)


@international_staff_required
def request_matches(request, pk: int):
    assistance = assistance_request_or_404(pk)
    topics = list(assistance.topics.all())
    filters = MatchFilterForm(request.GET or None)
    options = filters.cleaned_data if filters.is_valid() else {}
    matches = experts_matching(
        request=assistance, topics=topics, consent_text_id=current_consent_text_id(), **options
    )
    page = paginate_capped(
        request,
        matches.values(*RANKED_ROW_FIELDS),
        cap=MATCHES_COUNTED,
        order_by=RANKED_ORDER_SQL,
    )
    profiles = experts_for_ranked_rows(rows=page.object_list, request=assistance, topics=topics)
    labels = dict(Engagement.Status.choices)
    # One reverse() for the page; the profile id is the only part that changes.
    url_pattern = reverse("experts:staff_profile", args=[0]).removesuffix("0/")
    rows = [
        MatchRow(
            rank=page.start_index() + index,
            profile=profile,
            url=f"{url_pattern}{profile.pk}/",
            details=_details(profile),
            reasons=match_reasons(profile, assistance),
            engagement=labels.get(profile.engagement_status),
        )
        for index, profile in enumerate(profiles)
    ]
    return render(
        request,
        "experts/staff/request_matches.html",
        {
            "assistance": assistance,
            "topics": topics,
            "filters": filters,
            "page": page,
            "rows": rows,
            "shortlist_url": reverse("experts:staff_shortlist", args=[assistance.pk]),
        },
    )
