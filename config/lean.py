"""The lean way through the server for the few URLs that are not pages (Stripe's webhook).

Every page needs sessions, CSRF, the signed-in user, messages and the security headers; a
signed machine-to-machine POST needs none of them, and on a busy webhook they cost more than the
view. `with_lean_paths` sends the paths in LEAN_PATHS to a second Django handler built from
LEAN_MIDDLEWARE, and everything else to the normal one. Both are Django: the same URLconf, the
same view, the same request signals (so database connections are kept or closed as usual)."""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler


class LeanMiddlewareMixin:
    """A handler whose middleware chain is LEAN_MIDDLEWARE instead of MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        # Django's own loader reads settings.MIDDLEWARE; it runs once, as the handler is made
        # (before any request is served), so the list is swapped only for that moment.
        pages = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.LEAN_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = pages


class LeanWSGIHandler(LeanMiddlewareMixin, WSGIHandler):
    pass


def with_lean_paths(application, lean=None):
    """A WSGI application that serves LEAN_PATHS (exact paths) with the lean handler and every
    other request with `application`."""
    paths = frozenset(settings.LEAN_PATHS)
    if not paths:
        return application
    lean = lean or LeanWSGIHandler()

    def dispatch(environ, start_response):
        handler = lean if environ.get("PATH_INFO", "") in paths else application
        return handler(environ, start_response)

    return dispatch
