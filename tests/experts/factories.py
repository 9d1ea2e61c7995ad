"""Helpers that build pool data through the real services, so tests start from valid states."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from experts.models import (
    AssistanceRequest,
    ConsentText,
    EngagementType,
    ExpertiseArea,
    ExpertProfile,
    PartnerOrganization,
)
from experts.services.profiles import ExpertDetails, expert_profile_save
from experts.services.requests import assistance_request_save
from tests.factories import MemberFactory, activate_membership


def small_pdf(text: str = "Curriculum vitae") -> bytes:
    """A real one-page PDF (CVs are checked by structure, not only by their first bytes)."""
    from django.utils.html import escape
    from weasyprint import HTML

    return HTML(string=f"<p>{escape(text)}</p>").write_pdf()


PDF_BYTES = small_pdf()


def pdf_upload(name: str = "cv.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def area(slug: str) -> ExpertiseArea:
    return ExpertiseArea.objects.get(slug=slug)


def current_consent() -> ConsentText:
    return ConsentText.objects.order_by("-version").first()


def make_expert(
    *,
    member=None,
    areas=("city-county-management",),
    languages=(("en", 4),),
    engagement_types=(EngagementType.WORKSHOP,),
    willing_to_travel=False,
    availability=(),
    years=10,
    cv=None,
    consent=True,
    **member_facts,
) -> ExpertProfile:
    member = member or activate_membership(MemberFactory(**member_facts))
    return expert_profile_save(
        member=member,
        details=ExpertDetails(
            areas=[area(slug) for slug in areas],
            summary="City manager with two decades of budgeting and planning work.",
            years_in_local_government=years,
            languages=list(languages),
            engagement_types=list(engagement_types),
            willing_to_travel=willing_to_travel,
            availability=list(availability),
        ),
        consent_text=current_consent() if consent else None,
        cv=cv,
    )


def make_request(
    *,
    topics=("city-county-management",),
    languages=(),
    engagement_type=EngagementType.WORKSHOP,
    starts_on: date | None = None,
    ends_on: date | None = None,
    by=None,
    title="Performance management workshop for county leaders",
) -> AssistanceRequest:
    return assistance_request_save(
        topics=[area(slug) for slug in topics],
        by=by,
        partner=PartnerOrganization.objects.get(name__startswith="State Administration"),
        title=title,
        description="Two days with county leaders on measuring services.",
        city="Yangzhou",
        province="Jiangsu",
        starts_on=starts_on,
        ends_on=ends_on,
        engagement_type=engagement_type,
        languages_needed=list(languages),
        experts_wanted=2,
        status=AssistanceRequest.Status.OPEN,
    )
