"""Entry points into the expert pool for membership pages, so membership never imports experts.

Each tag costs one or two queries, whatever the size of the pool.
"""

from django import template

from experts.models import Engagement, ExpertProfile

register = template.Library()


@register.inclusion_tag("experts/includes/profile_entry.html")
def expert_profile_entry(member):
    """On the member's profile page: volunteer, or see where their expert profile stands."""
    profile = (
        ExpertProfile.objects.filter(member=member)
        .exclude(status=ExpertProfile.Status.WITHDRAWN)
        .only("pk", "status", "paused_for_lapse", "member_id")
        .first()
    )
    return {"profile": profile}


@register.inclusion_tag("experts/includes/home_card.html")
def expert_dashboard_card(member):
    """On the home page: invitations waiting for an answer; nothing for non-volunteers."""
    profile = (
        ExpertProfile.objects.filter(member=member)
        .exclude(status=ExpertProfile.Status.WITHDRAWN)
        .only("pk", "status", "paused_for_lapse", "member_id")
        .first()
    )
    invitations = []
    if profile is not None:
        invitations = list(
            Engagement.objects.filter(profile=profile, status=Engagement.Status.INVITED)
            .select_related("request__partner")
            .order_by("-invited_at")[:5]
        )
    return {"profile": profile, "invitations": invitations}
