from django import template

from membership.money import format_cents

register = template.Library()


@register.filter
def cents(value):
    """Render integer cents as dollars: `{{ invoice.total_cents|cents }}` → `$1,200.00`."""
    return format_cents(value)
