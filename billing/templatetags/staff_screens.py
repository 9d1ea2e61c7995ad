from django import template
from django.utils.html import format_html

from membership.models import Status

register = template.Library()

# Green for good standing or settled, amber for waiting on someone, red for closed or lost.
BADGE_CLASSES = {
    "active": "badge-ok",
    "paid": "badge-ok",
    "approved": "badge-ok",
    "confirmed": "badge-ok",
    "grace": "badge-warn",
    "pending": "badge-warn",
    "open": "badge-warn",
    "requested": "badge-warn",
    "lapsed": "badge-error",
    "cancelled": "badge-error",
    "canceled": "badge-error",
    "refunded": "badge-error",
    "expired": "badge-error",
    "declined": "badge-error",
    "sent": "badge-ok",
    "queued": "badge-warn",
    "sending": "badge-warn",
    "failed": "badge-error",
}
MEMBERSHIP_LABELS = dict(Status.choices)


@register.simple_tag
def status_badge(value, label=None):
    """A coloured badge for a status value; the label defaults to the membership status name."""
    value = value or Status.NONE
    text = label or MEMBERSHIP_LABELS.get(value, value)
    css = BADGE_CLASSES.get(value, "")
    return format_html('<span class="badge {}">{}</span>', css, text)
