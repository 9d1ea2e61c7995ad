"""The only tags and filters a staff-written template can use: formatting, conditions and
loops over the values it was given. Nothing here loads, includes, reverses or reads settings."""

from django import template
from django.template import defaultfilters, defaulttags

register = template.Library()

for _name in ("if", "for", "with", "comment", "firstof", "spaceless"):
    register.tag(_name, defaulttags.register.tags[_name])

SAFE_FILTERS = (
    "add",
    "capfirst",
    "date",
    "default",
    "default_if_none",
    "first",
    "floatformat",
    "join",
    "last",
    "length",
    "linebreaksbr",
    "lower",
    "pluralize",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "yesno",
)
for _name in SAFE_FILTERS:
    register.filter(_name, defaultfilters.register.filters[_name])


@register.filter(is_safe=False)
def cents(value):
    """12345 → $123.45 (integer cents, US dollars)."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    dollars, rest = divmod(abs(amount), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


SAFE_TAGS = tuple(sorted(register.tags))
