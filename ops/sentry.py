"""Error reports to Sentry, for the web processes and the Celery workers, only when SENTRY_DSN
is set. Reports carry no personal data: no user e-mail or IP (`send_default_pii=False`), no
request bodies (a profile form holds a salary), no cookies, no query strings and no local
variables of the failing frames."""

import warnings

import sentry_sdk

_DROPPED_REQUEST_KEYS = ("data", "cookies", "query_string", "env")


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        for key in _DROPPED_REQUEST_KEYS:
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in ("cookie", "authorization", "x-forwarded-for", "x-real-ip"):
                    headers.pop(name)
        url = request.get("url")
        if isinstance(url, str) and "?" in url:
            request["url"] = url.split("?", 1)[0]
    event.pop("user", None)
    return event


def sentry_init(
    dsn: str,
    *,
    environment: str | None = None,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
    transport=None,
) -> bool:
    """Start the Sentry client with the Django and Celery integrations. Returns whether it
    was started (not without a DSN)."""
    if not dsn:
        return False
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    options = {
        "dsn": dsn,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "max_request_body_size": "never",
        "include_local_variables": False,
        "before_send": scrub_event,
        "traces_sample_rate": traces_sample_rate,
        "environment": environment,
        "release": release,
    }
    if transport is not None:
        options["transport"] = transport
    with warnings.catch_warnings():
        # sentry-sdk 2.7x deprecates `send_default_pii` for `data_collection`, whose setting
        # turns off the SDK's own scrubber of secrets and cookies. Keep the boolean (False)
        # and the scrubber until `data_collection` is settled upstream.
        warnings.filterwarnings(
            "ignore",
            message="The send_default_pii option is deprecated",
            category=DeprecationWarning,
        )
        sentry_sdk.init(**options)
    return True


def sentry_active() -> bool:
    return sentry_sdk.get_client().is_active()
