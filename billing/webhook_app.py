"""Stripe's webhook as a WSGI application of its own: verify, store, answer.

A webhook is a signed machine-to-machine POST to one exact path. It needs none of what a page
needs (sessions, CSRF, the user, messages, templates, URL resolution), and at a thousand events
a second Django's request and response objects cost more than the work. config/wsgi.py sends
LEAN_PATHS here and every other request to Django.

What it keeps from the server's usual way: the host check (ALLOWED_HOSTS, 400 otherwise), the
HTTPS redirect and HSTS (SECURE_*), the upload limit (413 before the body is read), 405 for other
methods, the node header (X-Served-By), the request metrics and one JSON log line per request
(`request_finished`, with a request id, and here the event's id, type and stored row).

What it does itself: the signature is checked with Stripe's library and the event is stored by
`stripe_event_store`, the same service the Django view uses, so exactly-once (one row per
Stripe id, ON CONFLICT DO NOTHING) is the same on both ways. The database connection is the
thread's Django connection, kept for CONN_MAX_AGE like a page's; instead of a health-check round
trip before every event, a statement that fails on a broken connection is tried once more on a
new one (storing is idempotent, so the retry cannot store twice).
"""

import json
import logging
import time
import uuid
from urllib.parse import quote

import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext as _

from billing.gateways import stripe as gateway
from billing.services.stripe_events import MalformedEvent, stripe_event_store
from ops.metrics import REQUEST_LATENCY, RESPONSES

log = structlog.get_logger("billing.webhook")
logger = logging.getLogger("billing.webhook")

VIEW = "stripe:webhook"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
REASONS = {
    200: "200 OK",
    301: "301 Moved Permanently",
    400: "400 Bad Request",
    405: "405 Method Not Allowed",
    413: "413 Request Entity Too Large",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


class Answer(Exception):
    """Ends a request early with a status and a plain-text reason."""

    def __init__(self, status: int, text: str, headers: tuple = ()):
        super().__init__(text)
        self.status, self.text, self.headers = status, text, headers


def _is_secure(environ) -> bool:
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, secure_value = proxy
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


def _host(environ) -> str:
    """The request's host, checked against ALLOWED_HOSTS as Django checks a page's."""
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
        host = environ["HTTP_X_FORWARDED_HOST"]
    elif "HTTP_HOST" in environ:
        host = environ["HTTP_HOST"]
    else:
        host = environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    if not domain or not validate_host(domain, allowed):
        raise Answer(400, _("The request's host is not one this server answers for."))
    return host


def _security_headers(secure: bool) -> list[tuple[str, str]]:
    """What SecurityMiddleware adds to an answer."""
    headers = []
    if secure and settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        if not isinstance(policy, str):
            policy = ",".join(policy)
        headers.append(("Referrer-Policy", policy))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if settings.NODE_NAME:
        headers.append(("X-Served-By", settings.NODE_NAME))
    return headers


def _read_body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError as error:
        raise Answer(400, _("The Content-Length header is not a number.")) from error
    if length > settings.MAX_UPLOAD_BYTES:
        raise Answer(413, _("The request is larger than this server accepts."))
    if length <= 0:
        return b""
    return environ["wsgi.input"].read(length)


def _store(event: dict, body: bytes) -> int | None:
    """Store the event on this thread's connection. One that broke while idle fails on its
    first statement: it is closed and the statement tried once more on a new one."""
    connection = connections[DEFAULT_DB_ALIAS]
    # The statement's own failure is what tells a broken connection, not a round trip before it.
    connection.health_check_done = True
    try:
        return stripe_event_store(event=event, body=body)
    except (InterfaceError, OperationalError):
        if connection.in_atomic_block:  # a caller's transaction: not ours to replace
            raise
        connection.close()
        return stripe_event_store(event=event, body=body)


def _release_connection() -> None:
    """What Django does as a request finishes: the connection is closed once it is older than
    CONN_MAX_AGE (at once with 0) or after an error, and kept for the next request otherwise."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.connection is None or connection.in_atomic_block:
        return
    expired = connection.close_at is not None and time.monotonic() >= connection.close_at
    if expired or connection.errors_occurred:
        connection.close()


class StripeWebhookApp:
    """The WSGI application for Stripe's webhook (LEAN_PATHS)."""

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        request_id = environ.get("HTTP_X_REQUEST_ID") or str(uuid.uuid4())
        secure = _is_secure(environ)
        fields: dict = {}
        try:
            status, body, content_type, extra = self._handle(environ, method, path, secure, fields)
        except Answer as answer:
            status, body, content_type, extra = (
                answer.status,
                answer.text.encode(),
                TEXT,
                list(answer.headers),
            )
        except Exception:  # what Django would answer 500 for, logged with its traceback
            logger.exception("Stripe webhook failed")
            status, body, content_type, extra = 500, _("Server error.").encode(), TEXT, []
        finally:
            _release_connection()
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        headers += extra
        headers += _security_headers(secure)
        start_response(REASONS[status], headers)
        elapsed = time.perf_counter() - started
        REQUEST_LATENCY.labels(view=VIEW, method=method if method == "POST" else "other").observe(
            elapsed
        )
        RESPONSES.labels(view=VIEW, status=str(status)).inc()
        log.log(
            20 if status < 500 else 40,
            "request_finished",
            request_id=request_id,
            code=status,
            request=f"{method} {path}",
            view=VIEW,
            duration_ms=round(elapsed * 1000, 1),
            **fields,
        )
        return [body]

    def _handle(self, environ, method, path, secure, fields):
        host = _host(environ)
        if settings.SECURE_SSL_REDIRECT and not secure:
            target = f"https://{settings.SECURE_SSL_HOST or host}{quote(path)}"
            return 301, b"", TEXT, [("Location", target)]
        if method != "POST":
            raise Answer(405, _("Only POST is accepted here."), (("Allow", "POST"),))
        body = _read_body(environ)
        try:
            event = gateway.webhook_event_verify(
                payload=body,
                signature=environ.get("HTTP_STRIPE_SIGNATURE", ""),
                secret=settings.STRIPE_WEBHOOK_SECRET,
            )
        except gateway.WebhookRejected as error:
            fields["rejected"] = str(error)
            raise Answer(400, _("Invalid Stripe webhook: %(e)s") % {"e": error}) from error
        fields.update(stripe_event_id=event["id"], event_type=event["type"])
        try:
            pk = _store(event, body)
        except MalformedEvent as error:
            fields["rejected"] = str(error)
            raise Answer(400, _("Invalid Stripe webhook: %(e)s") % {"e": error}) from error
        except DatabaseError as error:
            # Only the database being away gets here: Stripe retries, and the redelivery is new.
            fields["error"] = type(error).__name__
            raise Answer(503, _("Try again shortly.")) from error
        fields.update(event_pk=pk, duplicate=pk is None)
        answer = json.dumps({"received": True, "duplicate": pk is None, "id": event["id"]})
        return 200, answer.encode(), JSON, []
