"""Validators for text a person types that the portal later puts somewhere strict."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Everything str.splitlines() breaks on, and NUL: none of it belongs in an e-mail header, and
# PostgreSQL refuses NUL in text altogether.
NOT_IN_HEADERS = frozenset("\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def header_safe(value: str) -> None:
    """Refuse text with line breaks or NUL: names and titles become e-mail subjects, where a
    line break would start a new header (or make sending fail)."""
    if value and not NOT_IN_HEADERS.isdisjoint(value):
        raise ValidationError(
            _(
                "Keep this on one line: remove the line breaks (and any hidden control "
                "characters). It is used in e-mail subjects."
            ),
            code="header_unsafe",
        )


class HeaderSafeCharField(forms.CharField):
    default_validators = [header_safe]


class HeaderSafeFieldsMixin:
    """For model forms: `header_safe_fields` names the fields that must be header-safe."""

    header_safe_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.header_safe_fields:
            if name in self.fields:
                self.fields[name].validators.append(header_safe)
