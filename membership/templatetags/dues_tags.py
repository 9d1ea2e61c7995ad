from django import template

from membership.money import format_cents
from membership.services.dues import format_bp

register = template.Library()


@register.filter
def audit_field(name: str) -> str:
    """`replacement_cap_cents` → `replacement cap`."""
    return name.removesuffix("_cents").removesuffix("_bp").replace("_", " ")


@register.simple_tag
def audit_value(name: str, value) -> str:
    """An audited value as a person reads it: cents as dollars, basis points as a percent."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        if name.endswith("_cents"):
            return format_cents(value)
        if name.endswith("_bp"):
            return format_bp(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


@register.filter
def position_labels(codes) -> str:
    """`["cao", "acao"]` → `Chief administrative officer (CAO), Assistant or deputy CAO`."""
    from membership.dues_text import positions_text

    return positions_text(codes or ())
