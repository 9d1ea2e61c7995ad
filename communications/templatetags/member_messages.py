from django import template

from communications.selectors import messages_for_user

register = template.Library()

DASHBOARD_SHOWN = 5


@register.inclusion_tag("communications/member/_dashboard_card.html")
def messages_dashboard_card(user):
    """The member's latest messages on their dashboard, in one query."""
    shown = messages_for_user(user_id=user.pk, limit=DASHBOARD_SHOWN + 1) if user.pk else []
    return {"messages_sent": shown[:DASHBOARD_SHOWN], "more": len(shown) > DASHBOARD_SHOWN}
