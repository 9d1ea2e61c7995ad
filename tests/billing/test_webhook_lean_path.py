"""config/lean.py and billing/webhook_app.py: Stripe's webhook is served by a WSGI application
of its own (no Django request handling, none of the pages' middleware), stays signed and stores
each event once; no page can take that way."""

import io
import json
import random
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import Client
from django.urls import reverse
from structlog.testing import capture_logs

from billing.models import EventState, StripeEvent
from billing.webhook_app import VIEW, StripeWebhookApp
from config.lean import with_lean_paths
from ops.metrics import RESPONSES
from tests.billing.stripe_support import WEBHOOK_SECRET, event_for, signature_header, stripe_object

pytestmark = pytest.mark.django_db

WEBHOOK = "/billing/stripe/webhook/"


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the body was read")


def call(app, body: bytes = b"", *, method="POST", path=WEBHOOK, signature=None, **environ):
    """One request straight to a WSGI application, as gunicorn makes it."""
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    if signature is None and body:
        signature = signature_header(body)
    if signature:
        env["HTTP_STRIPE_SIGNATURE"] = signature
    env.update(environ)
    seen = {}

    def start_response(status, headers):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    chunks = app(env, start_response)
    return Answer(seen["status"], seen["headers"], b"".join(chunks))


def refund_event() -> dict:
    return event_for("charge.refunded", stripe_object("charge"))


def body_of(event: dict) -> bytes:
    return json.dumps(event).encode()


@pytest.fixture
def app(stripe_keys):
    return StripeWebhookApp()


def test_only_the_stripe_webhook_takes_the_lean_way():
    """A page listed here would lose sessions, CSRF checks, sign-in and two-factor."""
    assert [reverse("stripe:webhook")] == settings.LEAN_PATHS == [WEBHOOK]


def test_a_signed_event_is_stored_and_answered_like_the_view(app):
    event = refund_event()

    answer = call(app, body_of(event))

    assert answer.status == 200
    assert answer.json() == {"received": True, "duplicate": False, "id": event["id"]}
    assert answer.headers["Content-Length"] == str(len(answer.body))
    assert answer.headers["Content-Type"] == "application/json"
    assert "Set-Cookie" not in answer.headers  # no session, no CSRF cookie
    stored = StripeEvent.objects.get(stripe_id=event["id"])
    assert stored.state == EventState.RECEIVED
    assert stored.payload == event
    assert stored.type == "charge.refunded"


def test_a_redelivery_is_acknowledged_and_stored_once(app):
    event = refund_event()

    first = call(app, body_of(event))
    again = call(app, body_of(event))

    assert first.json()["duplicate"] is False
    assert again.status == 200
    assert again.json() == {"received": True, "duplicate": True, "id": event["id"]}
    assert StripeEvent.objects.filter(stripe_id=event["id"]).count() == 1


def test_shuffled_deliveries_with_redeliveries_store_each_event_once(app):
    events = [refund_event() for _ in range(30)]
    deliveries = events + random.Random(7).sample(events, 15)
    random.Random(8).shuffle(deliveries)

    answers = [call(app, body_of(event)) for event in deliveries]

    assert [a.status for a in answers] == [200] * 45
    assert sum(a.json()["duplicate"] for a in answers) == 15
    assert set(StripeEvent.objects.values_list("stripe_id", flat=True)) == {e["id"] for e in events}
    assert StripeEvent.objects.count() == 30


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=deadbeef", signature_header(b"{}", secret="whsec_someone_else")],
    ids=["none", "garbage", "other-secret"],
)
def test_a_bad_signature_is_refused_and_nothing_stored(app, signature):
    answer = call(app, body_of(refund_event()), signature=signature or "")

    assert answer.status == 400
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert b"Invalid Stripe webhook" in answer.body
    assert not StripeEvent.objects.exists()


def test_nothing_is_accepted_without_a_configured_secret(app, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = body_of(refund_event())

    answer = call(app, body, signature=signature_header(body, secret=""))

    assert answer.status == 400
    assert not StripeEvent.objects.exists()


def test_an_event_the_database_cannot_hold_is_refused(app):
    event = refund_event()
    event["data"]["object"]["description"] = "nul \x00 here"

    answer = call(app, body_of(event))

    assert answer.status == 400
    assert b"NUL" in answer.body
    assert not StripeEvent.objects.exists()


def test_other_methods_and_oversized_bodies_are_refused_before_the_body_is_read(app, settings):
    got = call(app, method="GET")
    assert got.status == 405
    assert got.headers["Allow"] == "POST"

    settings.MAX_UPLOAD_BYTES = 100
    body = body_of(refund_event())
    too_big = call(app, body, **{"wsgi.input": Unreadable(body)})
    assert too_big.status == 413
    assert not StripeEvent.objects.exists()


def test_a_host_not_allowed_is_refused(app):
    answer = call(app, body_of(refund_event()), HTTP_HOST="evil.example")

    assert answer.status == 400
    assert not StripeEvent.objects.exists()


def test_https_is_required_as_for_pages(app, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    event = refund_event()

    plain = call(app, body_of(event), **{"wsgi.input": Unreadable()})
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://localhost{WEBHOOK}"
    assert not StripeEvent.objects.exists()

    secure = call(app, body_of(event), HTTP_X_FORWARDED_PROTO="https")
    assert secure.status == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=3600")
    assert secure.headers["X-Content-Type-Options"] == "nosniff"


def test_the_answer_names_the_node(app, settings):
    settings.NODE_NAME = "web7"
    assert call(app, body_of(refund_event())).headers["X-Served-By"] == "web7"


def test_each_request_is_one_log_line_and_counted(app):
    event = refund_event()
    before = RESPONSES.labels(view=VIEW, status="200")._value.get()

    with capture_logs() as logs:
        call(app, body_of(event), HTTP_X_REQUEST_ID="req-42")

    (line,) = [entry for entry in logs if entry["event"] == "request_finished"]
    assert line["request_id"] == "req-42"
    assert line["code"] == 200
    assert line["request"] == f"POST {WEBHOOK}"
    assert line["view"] == VIEW
    assert line["stripe_event_id"] == event["id"]
    assert line["duplicate"] is False
    assert line["event_pk"] == StripeEvent.objects.get().pk
    assert RESPONSES.labels(view=VIEW, status="200")._value.get() == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_broke_while_idle_is_replaced_and_the_event_stored(app, monkeypatch):
    connection = connections["default"]
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)  # kept, as in production
    call(app, body_of(refund_event()))  # opens this thread's connection and keeps it
    assert connection.connection is not None
    connection.connection.close()  # the server went away between two events

    event = refund_event()
    answer = call(app, body_of(event))

    assert answer.status == 200, answer.body
    assert StripeEvent.objects.filter(stripe_id=event["id"]).count() == 1
    connection.close()  # not kept into the next test, which expects the tests' CONN_MAX_AGE


@pytest.mark.django_db(transaction=True)
def test_a_connection_is_closed_after_the_request_when_it_is_not_kept(app):
    """CONN_MAX_AGE 0 (the tests', and Django's default): closed as each request ends."""
    connections["default"].close()  # one an earlier test opened may have been kept longer
    assert call(app, body_of(refund_event())).status == 200
    assert connections["default"].connection is None


def test_the_webhook_is_csrf_exempt_on_the_pages_way_too(stripe_keys):
    """Served through Django (a deployment without config/wsgi.py's split, the test client)
    the webhook is still exempt and still signed."""
    client = Client(enforce_csrf_checks=True)
    body = body_of(refund_event())
    for secret, status in ((WEBHOOK_SECRET, 200), ("whsec_wrong", 400)):
        signature = signature_header(body, secret=secret)
        answer = client.post(WEBHOOK, body, "application/json", HTTP_STRIPE_SIGNATURE=signature)
        assert answer.status_code == status


def test_the_dispatcher_sends_only_the_exact_lean_paths_to_the_lean_handler():
    served = []

    def named(name):
        def app(environ, start_response):
            served.append((name, environ["PATH_INFO"]))
            return [b""]

        return app

    application = with_lean_paths(named("pages"), lean=named("lean"))
    for path in (WEBHOOK, WEBHOOK + "x", WEBHOOK.rstrip("/"), "/membership/", "/"):
        application({"PATH_INFO": path}, None)
    assert served == [
        ("lean", WEBHOOK),
        ("pages", WEBHOOK + "x"),
        ("pages", WEBHOOK.rstrip("/")),
        ("pages", "/membership/"),
        ("pages", "/"),
    ]


def test_the_deployed_application_serves_the_webhook_without_django(stripe_keys, settings):
    from config import wsgi

    assert isinstance(wsgi.pages, WSGIHandler)
    assert wsgi.application is not wsgi.pages  # the dispatcher in front of it
    settings.SECURE_SSL_REDIRECT = False
    event = refund_event()
    answer = call(wsgi.application, body_of(event))
    assert answer.status == 200
    assert StripeEvent.objects.filter(stripe_id=event["id"]).exists()
    page = call(wsgi.application, method="GET", path="/healthz")
    assert page.status in (200, 503)  # Django answered, not the webhook (405)
