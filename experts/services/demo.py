import datetime as dt

from django.utils import timezone

from experts.models import ConsentText, ExpertiseArea, ExpertProfile, PartnerOrganization
from experts.models.taxonomy import EngagementType
from experts.services.profiles import ExpertDetails, expert_profile_save
from experts.services.requests import assistance_request_save


def demo_expert_pool(*, member, staff_user) -> str:
    """The demo member volunteers (with consent) and CAIEP has one open request on a shared
    topic, so the matching page shows a match. Does nothing the second time."""
    if ExpertProfile.objects.filter(member=member).exists():
        return ""
    areas = list(
        ExpertiseArea.objects.filter(
            slug__in=["city-county-management", "performance-management", "budgeting-finance"]
        )
    )
    expert_profile_save(
        member=member,
        details=ExpertDetails(
            areas=areas,
            summary="City manager of a mid-sized city; led a performance-budgeting reform.",
            years_in_local_government=18,
            languages=[("en", 4), ("cmn", 2)],
            engagement_types=[EngagementType.WORKSHOP, EngagementType.CONFERENCE_TALK],
            willing_to_travel=True,
        ),
        consent_text=ConsentText.objects.order_by("-version").first(),
    )
    starts = timezone.localdate() + dt.timedelta(days=120)
    request = assistance_request_save(
        by=staff_user,
        topics=areas[:2],
        partner=PartnerOrganization.objects.filter(name__contains="CAIEP").first(),
        title="Workshop on performance management for county officials",
        description="Two-day workshop for county administrators on measuring service results.",
        city="Yangzhou",
        province="Jiangsu",
        starts_on=starts,
        ends_on=starts + dt.timedelta(days=1),
        engagement_type=EngagementType.WORKSHOP,
        languages_needed=["en"],
        experts_wanted=2,
    )
    return f"demo member volunteered as an expert; request “{request.title}” is open"
