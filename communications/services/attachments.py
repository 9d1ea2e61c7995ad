"""Attachments made when a message is sent, not when it is queued.

A caller that queues a message in its own transaction (a receipt, in the payment's activation)
need not print a PDF there: it names a renderer and gives it JSON arguments, and the mail
worker calls the renderer just before the SMTP conversation, outside any transaction. The
renderer's app registers it at start-up (its AppConfig.ready), so this module imports none of
the other apps. A renderer that raises fails the send attempt, which is recorded and retried
like any other send failure.
"""

from collections.abc import Callable

Renderer = Callable[[dict], bytes]

_renderers: dict[str, Renderer] = {}


class UnknownRenderer(LookupError):
    """No renderer of that name is registered in this process."""


def attachment_renderer_register(name: str, renderer: Renderer) -> None:
    """Register `renderer(spec) -> bytes` under `name` (e.g. `billing.document_pdf`)."""
    _renderers[name] = renderer


def attachment_render(name: str, spec: dict) -> bytes:
    try:
        renderer = _renderers[name]
    except KeyError:
        raise UnknownRenderer(f"no attachment renderer named {name!r}") from None
    return renderer(spec)
