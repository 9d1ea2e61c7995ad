"""config/lean.py: Stripe's webhook takes the lean way through the server (none of the pages'
middleware), stays signed and CSRF-exempt, and no page can take that way."""

import json

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse

from billing.models import EventState, StripeEvent
from config.lean import LeanMiddlewareMixin, with_lean_paths
from tests.billing.stripe_support import event_for, post_event, stripe_object

pytestmark = pytest.mark.django_db


class LeanClientHandler(LeanMiddlewareMixin, ClientHandler):
    """The test client's handler with the lean middleware chain, as config/wsgi.py serves
    LEAN_PATHS."""


@pytest.fixture
def lean_client():
    client = Client(enforce_csrf_checks=True)
    client.handler = LeanClientHandler(enforce_csrf_checks=True)
    return client


def refund_event() -> dict:
    return event_for("charge.refunded", stripe_object("charge"))


def test_only_the_stripe_webhook_takes_the_lean_way():
    """A page listed here would lose sessions, CSRF checks, sign-in and two-factor."""
    assert [reverse("stripe:webhook")] == settings.LEAN_PATHS


def test_the_lean_chain_has_none_of_the_pages_middleware():
    pages_only = {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "allauth.account.middleware.AccountMiddleware",
        "membership.middleware.StaffTwoFactorMiddleware",
    }
    assert pages_only <= set(settings.MIDDLEWARE)
    assert not pages_only & set(settings.LEAN_MIDDLEWARE)
    # What a public POST still needs: HTTPS and HSTS, and the upload limit.
    assert "django.middleware.security.SecurityMiddleware" in settings.LEAN_MIDDLEWARE
    assert "membership.uploads.UploadLimitMiddleware" in settings.LEAN_MIDDLEWARE


def test_a_signed_event_is_stored_on_the_lean_way_without_a_csrf_token(lean_client, stripe_keys):
    event = refund_event()

    response = post_event(lean_client, event)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False, "id": event["id"]}
    stored = StripeEvent.objects.get(stripe_id=event["id"])
    assert stored.state in (EventState.RECEIVED, EventState.FLAGGED, EventState.PROCESSED)
    assert stored.payload == event
    assert "Set-Cookie" not in response.headers  # no session, no CSRF cookie


def test_a_bad_signature_is_refused_on_the_lean_way(lean_client, stripe_keys):
    response = post_event(lean_client, refund_event(), secret="whsec_someone_else")

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_the_lean_way_still_refuses_other_methods_and_oversized_bodies(
    lean_client, stripe_keys, settings
):
    assert lean_client.get(reverse("stripe:webhook")).status_code == 405
    settings.MAX_UPLOAD_BYTES = 100
    body = json.dumps(refund_event()).encode()
    assert post_event(lean_client, body).status_code == 413
    assert not StripeEvent.objects.exists()


def test_the_webhook_is_csrf_exempt_on_the_pages_way_too(stripe_keys):
    """Served through the full middleware (a deployment without config/wsgi.py's split, the
    test client) the webhook is still exempt and still signed."""
    client = Client(enforce_csrf_checks=True)
    assert post_event(client, refund_event()).status_code == 200
    assert post_event(client, refund_event(), secret="whsec_wrong").status_code == 400


def test_the_dispatcher_sends_only_the_exact_lean_paths_to_the_lean_handler():
    served = []

    def named(name):
        def app(environ, start_response):
            served.append((name, environ["PATH_INFO"]))
            return [b""]

        return app

    application = with_lean_paths(named("pages"), lean=named("lean"))
    webhook = reverse("stripe:webhook")
    for path in (webhook, webhook + "x", webhook.rstrip("/"), "/membership/", "/"):
        application({"PATH_INFO": path}, None)
    assert served == [
        ("lean", webhook),
        ("pages", webhook + "x"),
        ("pages", webhook.rstrip("/")),
        ("pages", "/membership/"),
        ("pages", "/"),
    ]


def test_the_deployed_application_serves_pages_with_every_middleware():
    from config import wsgi

    assert isinstance(wsgi.pages, WSGIHandler)
    assert wsgi.application is not wsgi.pages  # the dispatcher in front of it


def test_the_lean_answer_says_its_length(lean_client, stripe_keys):
    """Without it the answer would go out chunked, to Stripe and through the load balancer."""
    response = post_event(lean_client, refund_event())

    assert response["Content-Length"] == str(len(response.content))
