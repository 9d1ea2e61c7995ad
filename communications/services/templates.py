"""Staff-written e-mail templates: save a version, revert, preview, test-send, and render.

Rules:
- A version is checked against its key's declared variables before it is saved; a refused
  template changes nothing (the active version stays).
- Saving or reverting writes a new active version; the previous one stays in the history.
- A message is rendered from the key's active version if there is one, else from its file.
"""

import re

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from communications.models import TemplateVersion
from communications.templating.registry import TemplateSpec, spec_for_message, spec_get
from communications.templating.sandbox import TemplateRefused, plain_context, render, template_check

_LOAD = re.compile(r"{%\s*load\s[^%]*%}\n?")
_WRAPPERS = re.compile(
    r"{%\s*(autoescape off|endautoescape|blocktranslate|endblocktranslate|"
    r"blocktrans|endblocktrans)\s*%}"
)
_BLOCK_WITH = re.compile(
    r"{%\s*blocktrans(?:late)?\s+with\s+(?P<args>[^%]*)%}(?P<body>.*?){%\s*endblocktrans(?:late)?\s*%}",
    re.S,
)


def _file_source(name: str) -> str:
    """The file template in the staff template language: its `{% load %}` lines dropped and
    its translation blocks unwrapped, so it can be the starting point of a new version."""
    source = get_template(name).template.source
    source = _LOAD.sub("", source)

    def unwrap(match):
        body = match.group("body")
        for pair in match.group("args").split():
            alias, _sep, path = pair.partition("=")
            pattern = r"{{\s*" + re.escape(alias) + r"\s*}}"
            body = re.sub(pattern, "{{ " + path + " }}", body)
        return body

    source = _BLOCK_WITH.sub(unwrap, source)
    return _WRAPPERS.sub("", source)


def default_sources(spec: TemplateSpec) -> tuple[str, str]:
    """(subject, body) of the file template a key falls back to, or the registry's fallback
    while the key has no file."""
    try:
        subject = _file_source(f"{spec.file_template}_subject.txt").strip()
        body = _file_source(f"{spec.file_template}.txt")
    except TemplateDoesNotExist:
        return spec.fallback
    return subject, body


def template_active(*, key: str) -> TemplateVersion | None:
    return TemplateVersion.objects.filter(key=key, active=True).first()


@transaction.atomic
def template_version_save(
    *, key: str, subject: str, body_text: str, body_html: str = "", user=None, note: str = ""
) -> TemplateVersion:
    """Check the template, then make it the key's active version. Raises TemplateRefused with
    a message for staff; nothing is saved then."""
    spec = spec_get(key)
    if spec is None:
        raise TemplateRefused(f"Unknown template {key!r}.")
    subject = " ".join(subject.split())
    if not subject or not body_text.strip():
        raise TemplateRefused("A template needs a subject and a plain-text body.")
    template_check(spec, subject, body_text, body_html)
    # Lock the key's rows so two staff saving at once cannot leave two active versions.
    list(TemplateVersion.objects.select_for_update().filter(key=key).values_list("pk"))
    TemplateVersion.objects.filter(key=key, active=True).update(active=False)
    return TemplateVersion.objects.create(
        key=key,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        created_by=user,
        active=True,
        note=note,
    )


def template_revert(*, version: TemplateVersion, user=None) -> TemplateVersion:
    """Make an earlier version current again, as a new version (the history keeps every step)."""
    return template_version_save(
        key=version.key,
        subject=version.subject,
        body_text=version.body_text,
        body_html=version.body_html,
        user=user,
        note=f"Revert to version {version.pk}",
    )


@transaction.atomic
def template_reset(*, key: str, user=None) -> None:
    """Go back to the file template: no version of the key is active."""
    TemplateVersion.objects.filter(key=key, active=True).update(active=False)


def _render_version(version, values: dict) -> tuple[str, str, str]:
    subject = " ".join(render(version.subject, values).split())
    text = render(version.body_text, values)
    html = render(version.body_html, values, html=True) if version.body_html else ""
    return subject, text, html


def message_render(template: str, context: dict, *, versions: dict | None = None):
    """(subject, text, html) of one message: the key's active version rendered with only its
    declared variables, or the file template (html empty). `versions` is a preloaded
    {key: version or None} so that bulk queueing reads the versions once."""
    from communications.rendering import render_message

    spec = spec_for_message(template, context)
    if spec is not None:
        version = versions.get(spec.key) if versions is not None else template_active(key=spec.key)
        if version is not None:
            values = plain_context(spec, context, site_url=settings.SITE_URL)
            return _render_version(version, values)
        if not spec.fallback[0] or _file_exists(spec):
            subject, body = render_message(template, context)
            return subject, body, ""
        values = plain_context(spec, context, site_url=settings.SITE_URL)
        draft = TemplateVersion(subject=spec.fallback[0], body_text=spec.fallback[1])
        return _render_version(draft, values)
    subject, body = render_message(template, context)
    return subject, body, ""


def _file_exists(spec: TemplateSpec) -> bool:
    try:
        get_template(f"{spec.file_template}.txt")
    except TemplateDoesNotExist:
        return False
    return True


def active_versions() -> dict:
    return {v.key: v for v in TemplateVersion.objects.filter(active=True)}


def template_preview(
    *, key: str, member: dict, subject: str, body_text: str, body_html: str = ""
) -> tuple[str, str, str]:
    """Render a draft for a real member (their plain facts: display_name, member_number) with
    sample values for the rest. The draft is checked first, like a save."""
    spec = spec_get(key)
    if spec is None:
        raise TemplateRefused(f"Unknown template {key!r}.")
    template_check(spec, subject, body_text, body_html)
    values = plain_context(spec, {**spec.sample, "member": member}, site_url=settings.SITE_URL)
    draft = TemplateVersion(key=key, subject=subject, body_text=body_text, body_html=body_html)
    return _render_version(draft, values)


def template_test_send(
    *, key: str, user, member: dict, subject: str, body_text: str, body_html: str = ""
):
    """Send the draft, rendered for `member`, to the staff user's own address, through the
    outbox."""
    from communications.services.outbox import message_queue_text

    rendered_subject, text, html = template_preview(
        key=key, member=member, subject=subject, body_text=body_text, body_html=body_html
    )
    return message_queue_text(
        to=user.email,
        template=f"test:{key}",
        subject=f"[Test] {rendered_subject}",
        body=text,
        body_html=html,
        user=None,
    )


__all__ = [
    "TemplateRefused",
    "active_versions",
    "default_sources",
    "message_render",
    "template_active",
    "template_preview",
    "template_revert",
    "template_test_send",
    "template_version_save",
]
