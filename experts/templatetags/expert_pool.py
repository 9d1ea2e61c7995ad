"""Entry points into the expert pool for membership pages, so membership never imports experts.

Each tag costs one or two queries, whatever the size of the pool.
"""

from django import template
from django.db.models import Subquery

from experts.models import ConsentText, Engagement, ExpertProfile
from membership.selectors import member_in_good_standing

register = template.Library()


def _profile(member) -> ExpertProfile | None:
    """The member's profile in the pool, with the current consent text's id, in one query."""
    return (
        ExpertProfile.objects.filter(member=member)
        .exclude(status=ExpertProfile.Status.WITHDRAWN)
        .only("pk", "status", "paused_for_lapse", "member_id", "consent_text_id")
        .annotate(
            current_consent_id=Subquery(ConsentText.objects.order_by("-version").values("pk")[:1])
        )
        .first()
    )


@register.inclusion_tag("experts/includes/profile_entry.html")
def expert_profile_entry(member):
    """On the member's profile page: volunteer, or see where their expert profile stands."""
    profile = _profile(member)
    eligible = profile is not None or member_in_good_standing(member=member)
    return {"profile": profile, "eligible": eligible}


@register.inclusion_tag("experts/includes/home_card.html")
def expert_dashboard_card(member):
    """On the home page: invitations waiting for an answer; nothing for non-volunteers."""
    profile = _profile(member)
    invitations = []
    if profile is not None:
        invitations = list(
            Engagement.objects.filter(profile=profile, status=Engagement.Status.INVITED)
            .select_related("request__partner")
            .order_by("-invited_at")[:5]
        )
    return {"profile": profile, "invitations": invitations}
