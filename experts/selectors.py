"""Read-only queries about the expert pool. Nothing here changes state."""

from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils import timezone

from experts.access import cv_downloadable
from experts.models import (
    AssistanceRequest,
    ConsentText,
    CVDownload,
    DossierExport,
    Engagement,
    EngagementType,
    ExpertAvailability,
    ExpertiseArea,
    ExpertLanguage,
    ExpertProfile,
    Language,
)
from experts.models.taxonomy import (
    LANGUAGE_BIT,
    TRAVEL_ENGAGEMENTS,
    WORKING_PROFICIENCY,
    accepts_field,
    areas_mask,
    languages_mask,
)
from membership.models import Member, MembershipRules

ACTIVE_REQUEST_STATUSES = (
    AssistanceRequest.Status.OPEN,
    AssistanceRequest.Status.SHORTLISTING,
    AssistanceRequest.Status.RECOMMENDED,
)

# Points of the matching score; see `experts_matching` and docs/decisions/003-expert-ranking.md.
POINTS_PER_SHARED_TOPIC = 30
POINTS_LANGUAGE = 25
POINTS_ENGAGEMENT_TYPE = 15
POINTS_AVAILABILITY = 15
POINTS_TRAVEL = 10


def current_consent_text() -> ConsentText | None:
    return ConsentText.objects.order_by("-version").first()


def expert_profile_for_member(*, member: Member) -> ExpertProfile | None:
    return ExpertProfile.objects.filter(member=member).first()


def _in_good_standing(on: date | None) -> Q:
    """Profiles of members in good standing on `on` (default today): the same rule as
    `membership.selectors.members_in_good_standing`, read from the paid-through date the
    database copies onto the profile, so ranking reads no other table for it."""
    on = on or timezone.localdate()
    grace_days = MembershipRules.current().grace_days
    return Q(member_paid_through_on__gt=on - timedelta(days=grace_days))


def pool_profiles(*, consent_text_id: int | None, on: date | None = None) -> QuerySet:
    """Profiles that may be matched or exported: active, consented to the current text
    (`consent_text_id`), and held by a member in good standing."""
    if consent_text_id is None:
        return ExpertProfile.objects.none()
    return ExpertProfile.objects.filter(
        status=ExpertProfile.Status.ACTIVE,
        consent_text_id=consent_text_id,
    ).filter(_in_good_standing(on))


def _available_between(starts_on: date, ends_on: date) -> QuerySet:
    return ExpertAvailability.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).values(
        "profile_id"
    )


def _points_if(condition, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0))


def _flag(condition):
    if condition is None:
        return Value(False, output_field=BooleanField())
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _has_any(field: str, mask: int) -> GreaterThan:
    """True when the profile's bit mask `field` shares a bit with `mask`."""
    return GreaterThan(F(field).bitand(mask), 0)


def request_date_range(request: AssistanceRequest) -> tuple[date, date] | None:
    start = request.starts_on or request.ends_on
    end = request.ends_on or request.starts_on
    return (start, end) if start else None


def experts_matching(
    *,
    request: AssistanceRequest,
    topics: list[ExpertiseArea],
    consent_text_id: int | None,
    only_language: bool = False,
    only_available: bool = False,
    only_engagement_type: bool = False,
    only_travel: bool = False,
) -> QuerySet:
    """Pool experts sharing at least one topic with `request`, best first, scored in the database.

    score = 30 × shared topics
          + 25 if they work in one of the request's languages (working proficiency or better)
          + 15 if they accept the request's engagement type
          + 15 if one of their availability ranges overlaps the request's dates
          + 10 if they are willing to travel to China, for engagements that happen there
    Ties go to more shared topics, then more years in local government, then the older
    profile. A part the request leaves open (no language, no dates) scores 0 for everyone.

    Topics and languages are read from the profile's bit masks, and availability through one
    uncorrelated `IN (subquery)` that PostgreSQL hashes once, so ranking is a single pass over
    the pool and a page costs a fixed number of queries. `only_*` turn a part into a filter.
    """
    pool = pool_profiles(consent_text_id=consent_text_id)
    if not topics:
        return pool.none()
    pool = pool.filter(_has_any("area_mask", areas_mask(topics)))
    shared = sum(
        (_points_if(_has_any("area_mask", t.mask), 1) for t in topics[1:]),
        _points_if(_has_any("area_mask", topics[0].mask), 1),
    )
    languages = [code for code in request.languages_needed if code in LANGUAGE_BIT]
    language_q = _has_any("language_mask", languages_mask(languages)) if languages else None
    dates = request_date_range(request)
    available_q = Q(pk__in=_available_between(*dates)) if dates else None
    type_q = Q(**{accepts_field(request.engagement_type): True})
    travel_q = Q(willing_to_travel=True) if request.engagement_type in TRAVEL_ENGAGEMENTS else None

    for wanted, condition in (
        (only_language, language_q),
        (only_available, available_q),
        (only_engagement_type, type_q),
        (only_travel, travel_q),
    ):
        if wanted and condition is not None:
            pool = pool.filter(condition)

    score = shared * POINTS_PER_SHARED_TOPIC
    for condition, points in (
        (language_q, POINTS_LANGUAGE),
        (type_q, POINTS_ENGAGEMENT_TYPE),
        (available_q, POINTS_AVAILABILITY),
        (travel_q, POINTS_TRAVEL),
    ):
        if condition is not None:
            score = score + _points_if(condition, points)
    return pool.annotate(
        shared_topic_count=shared,
        speaks_language=_flag(language_q),
        accepts_type=_flag(type_q),
        available_on_dates=_flag(available_q),
        travel_ok=_flag(travel_q),
        score=score,
    ).order_by("-score", "-shared_topic_count", "-years_in_local_government", "pk")


# What the ranking query returns per row: narrow, and enough to order a capped page again.
RANKED_ROW_FIELDS = (
    "pk",
    "score",
    "shared_topic_count",
    "years_in_local_government",
    "available_on_dates",
)


def current_consent_text_id() -> Subquery:
    """The current consent text's id, as a subquery the ranking query runs once (no query of
    its own); NULL when none is published, which matches nobody."""
    return Subquery(ConsentText.objects.order_by("-version").values("pk")[:1])


def experts_for_ranked_rows(
    *, rows: list[dict], request: AssistanceRequest, topics: list[ExpertiseArea]
) -> list[ExpertProfile]:
    """The profiles of a page of `experts_matching(...).values(*RANKED_ROW_FIELDS)` rows, in
    rank order, each with its `score` and the facts behind it: `shared_topics` (from the area
    mask), `needed_languages` (loaded, with their proficiency), `engagement_status` (this
    request's engagement of the expert, if any) and the flags the matching page shows.

    The ranking query reads ids, scores and flags only; the rest is loaded for one page, in
    one query (two when the request needs languages)."""
    profiles = ExpertProfile.objects.select_related("member__user").annotate(
        engagement_status=Subquery(
            Engagement.objects.filter(request=request, profile=OuterRef("pk")).values("status")[:1]
        )
    )
    if request.languages_needed:
        profiles = profiles.prefetch_related(
            Prefetch(
                "languages",
                queryset=ExpertLanguage.objects.filter(
                    language__in=request.languages_needed, proficiency__gte=WORKING_PROFICIENCY
                ),
                to_attr="needed_languages",
            )
        )
    by_pk = profiles.in_bulk([row["pk"] for row in rows])
    travel_counts = request.engagement_type in TRAVEL_ENGAGEMENTS
    ranked = []
    for row in rows:
        profile = by_pk[row["pk"]]
        profile.score = row["score"]
        profile.shared_topics = [t for t in topics if profile.area_mask & t.mask]
        profile.shared_topic_count = len(profile.shared_topics)
        if not request.languages_needed:
            profile.needed_languages = []
        profile.speaks_language = bool(profile.needed_languages)
        profile.accepts_type = getattr(profile, accepts_field(request.engagement_type))
        profile.available_on_dates = bool(row["available_on_dates"])
        profile.travel_ok = travel_counts and profile.willing_to_travel
        ranked.append(profile)
    return ranked


def experts_search(
    *,
    area: ExpertiseArea | None = None,
    language: str = "",
    engagement_type: str = "",
    country: str = "",
    state_province: str = "",
    available_from: date | None = None,
    available_to: date | None = None,
) -> QuerySet:
    """The pool as staff browse it: every profile not withdrawn, of members in good standing,
    by name. Paused profiles and outdated consents are shown (and flagged), never hidden."""
    profiles = ExpertProfile.objects.filter(
        status__in=[ExpertProfile.Status.ACTIVE, ExpertProfile.Status.PAUSED],
    ).filter(_in_good_standing(None))
    if area is not None:
        profiles = profiles.filter(_has_any("area_mask", area.mask))
    if language in LANGUAGE_BIT:
        profiles = profiles.filter(_has_any("language_mask", languages_mask([language])))
    if engagement_type in EngagementType.values:
        profiles = profiles.filter(**{accepts_field(engagement_type): True})
    if country:
        profiles = profiles.filter(member__country=country)
    if state_province:
        profiles = profiles.filter(member__state_province__iexact=state_province.strip())
    if available_from or available_to:
        start = available_from or available_to
        end = available_to or available_from
        profiles = profiles.filter(pk__in=_available_between(start, end))
    return profiles.select_related("member__user").order_by("member__full_name", "pk")


def pool_overview() -> dict:
    """Counts of active profiles by area, language and engagement type; the requests in play."""
    active = Q(status=ExpertProfile.Status.ACTIVE)
    totals = ExpertProfile.objects.aggregate(
        active=Count("pk", filter=active),
        paused=Count("pk", filter=Q(status=ExpertProfile.Status.PAUSED)),
        **{
            value: Count("pk", filter=active & Q(**{accepts_field(value): True}))
            for value in EngagementType.values
        },
    )
    areas = ExpertiseArea.objects.annotate(
        expert_count=Count("experts", filter=Q(experts__status=ExpertProfile.Status.ACTIVE))
    ).order_by("-expert_count", "sort_order", "name")
    languages = (
        ExpertLanguage.objects.filter(
            profile__status=ExpertProfile.Status.ACTIVE, proficiency__gte=WORKING_PROFICIENCY
        )
        .values("language")
        .annotate(expert_count=Count("pk"))
        .order_by("-expert_count", "language")
    )
    return {
        "active": totals["active"],
        "paused": totals["paused"],
        "engagement_types": [
            (EngagementType(value).label, totals[value]) for value in EngagementType.values
        ],
        "areas": list(areas),
        "languages": [
            {**row, "label": Language(row["language"]).label}
            for row in languages
            if row["language"] in Language.values
        ],
        "open_requests": list(requests_in_play()[:20]),
    }


def requests_in_play() -> QuerySet:
    return (
        AssistanceRequest.objects.filter(status__in=ACTIVE_REQUEST_STATUSES)
        .select_related("partner")
        .annotate(engagement_count=Count("engagements"))
        .order_by("starts_on", "-created_at")
    )


def assistance_requests(*, status: str = "") -> QuerySet:
    requests = AssistanceRequest.objects.select_related("partner").annotate(
        engagement_count=Count("engagements")
    )
    if status in AssistanceRequest.Status.values:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at", "-pk")


def engagements_for_request(*, request: AssistanceRequest) -> QuerySet:
    return request.engagements.select_related(
        "profile__member__user", "shortlisted_by", "invited_by", "recommended_by"
    ).order_by("shortlisted_at", "pk")


def invitations_for_member(*, member: Member) -> QuerySet:
    """Engagements the member has been invited to (answered or not), newest first."""
    return (
        Engagement.objects.filter(profile__member=member)
        .exclude(status=Engagement.Status.SHORTLISTED)
        .select_related("request__partner")
        .order_by("-invited_at", "-pk")
    )


def invitation_for_member(*, member: Member, pk: int) -> Engagement:
    """The member's own invitation, or a 404 (the same answer for someone else's)."""
    engagement = invitations_for_member(member=member).filter(pk=pk).first()
    if engagement is None:
        raise Http404
    return engagement


def dossier_experts(*, request: AssistanceRequest, consent_text_id: int | None) -> list:
    """Experts recommended for `request` who may be shared today: still in the pool (active),
    in good standing, and consenting to the current text."""
    pool = pool_profiles(consent_text_id=consent_text_id, on=timezone.localdate())
    return list(
        pool.filter(engagements__request=request, engagements__status=Engagement.Status.RECOMMENDED)
        .select_related("member__user")
        .prefetch_related("areas", "languages")
        .order_by("member__full_name", "pk")
    )


def dossier_exports(*, request: AssistanceRequest | None = None) -> QuerySet:
    exports = DossierExport.objects.select_related("request", "exported_by").prefetch_related(
        "experts__member"
    )
    if request is not None:
        exports = exports.filter(request=request)
    return exports


def cv_profile_for_staff(*, user, pk: int) -> ExpertProfile:
    """A profile whose CV `user` may download as staff (`cv_downloadable`); 404 for anyone
    else, for no CV, and for an expert who has not consented to the current consent text."""
    profile = ExpertProfile.objects.select_related("member").filter(pk=pk).exclude(cv="").first()
    consent = current_consent_text()
    if profile is None or not cv_downloadable(
        user=user, profile=profile, current_consent_id=consent.pk if consent else None
    ):
        raise Http404
    return profile


def cv_downloads(*, profile: ExpertProfile | None = None) -> QuerySet:
    """The CV download log, newest first; one expert's when `profile` is given."""
    downloads = CVDownload.objects.select_related("downloaded_by", "profile__member")
    if profile is not None:
        downloads = downloads.filter(profile=profile)
    return downloads


def exports_of_profile(*, profile: ExpertProfile) -> QuerySet[DossierExport]:
    """Every dossier export that included this expert, newest first: partner, request, when."""
    return (
        DossierExport.objects.filter(experts=profile)
        .select_related("request__partner")
        .order_by("-exported_at", "-id")
    )
