"""The application bench/webhook_ingest.py serves: the portal as deployed (config.wsgi), with
the baselines in front of it, the same whatever code is measured:

- /bench/bare-wsgi/: a WSGI callable that reads the body and answers, no Django at all (what
  gunicorn itself costs a request);
- /bench/bare-lean/ and /bench/lookup/: Django with one middleware (CommonMiddleware), a view
  that answers without the database and one that makes one primary-key lookup;
- /bench/bare/ (in webhook_site.urls): the same bare view through every middleware of the pages.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from config.wsgi import application as deployed

ANSWER = b'{"received": true}'
MINIMAL_MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]


class MinimalDjango(WSGIHandler):
    """Django's handler with MINIMAL_MIDDLEWARE instead of MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        pages = settings.MIDDLEWARE
        settings.MIDDLEWARE = MINIMAL_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = pages


def bare_wsgi(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(ANSWER)))]
    )
    return [ANSWER]


minimal = MinimalDjango()
MINIMAL_PATHS = frozenset({"/bench/bare-lean/", "/bench/lookup/"})


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/bench/bare-wsgi/":
        return bare_wsgi(environ, start_response)
    if path in MINIMAL_PATHS:
        return minimal(environ, start_response)
    return deployed(environ, start_response)
