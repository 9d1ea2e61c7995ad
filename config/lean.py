"""The lean way through the server for the few URLs that are not pages (Stripe's webhook).

Every page needs sessions, CSRF, the signed-in user, messages and the security headers; a
signed machine-to-machine POST needs none of them, and on a busy webhook Django's request
handling costs more than the work. `with_lean_paths` sends the exact paths in LEAN_PATHS to a
WSGI application of their own (billing.webhook_app, which keeps the host check, HTTPS, the
upload limit, metrics and the log line) and everything else to Django."""

from django.conf import settings


def with_lean_paths(application, lean=None):
    """A WSGI application that serves LEAN_PATHS (exact paths) with `lean` (by default Stripe's
    webhook application) and every other request with `application`."""
    paths = frozenset(settings.LEAN_PATHS)
    if not paths:
        return application
    if lean is None:
        from billing.webhook_app import StripeWebhookApp

        lean = StripeWebhookApp()

    def dispatch(environ, start_response):
        handler = lean if environ.get("PATH_INFO", "") in paths else application
        return handler(environ, start_response)

    return dispatch
