"""Rendering of plain-text e-mails: Django templates without HTML escaping.

A plain-text body is not HTML: `O'Brien & Sons` must arrive as typed, not as `O&#x27;Brien`.
"""

from django.conf import settings
from django.template import Context
from django.template.loader import get_template


def render_text(template_name: str, context: dict) -> str:
    template = get_template(template_name).template
    return template.render(Context({"site_url": settings.SITE_URL, **context}, autoescape=False))


def render_message(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) from `<template>_subject.txt` and `<template>.txt`. The subject is one
    line: line breaks in the data cannot become extra headers."""
    subject = " ".join(render_text(f"{template}_subject.txt", context).split())
    body = render_text(f"{template}.txt", context)
    return subject, body
