"""The request log line (django-structlog), with what ICMA's logs may hold."""

import time

from django_structlog.middlewares import RequestMiddleware

# URL kwargs that hold a secret (password reset, e-mail confirmation): log the route instead.
SECRET_URL_KWARGS = frozenset({"key", "token", "uidb36", "uidb64"})


def request_path(request) -> str:
    """The path, never the query string (a dues quote's query holds a salary), and the route
    pattern instead of a path that holds a one-time key."""
    match = getattr(request, "resolver_match", None)
    if match is not None and SECRET_URL_KWARGS.intersection(match.kwargs):
        return "/" + match.route.lstrip("^")
    return request.path


def view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else "<unresolved>"


class RequestLogMiddleware(RequestMiddleware):
    """django-structlog's request middleware: a `request_id` for the request and its tasks,
    `user_id`, and one `request_finished` line with status code, view and duration."""

    @staticmethod
    def format_request(request) -> str:
        return f"{request.method} {request_path(request)}"

    def prepare(self, request) -> None:
        request._ops_log_started = time.monotonic()
        super().prepare(request)


def bind_request_finished(sender, request, logger, response, log_kwargs, **kwargs) -> None:
    started = getattr(request, "_ops_log_started", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
    log_kwargs["view"] = view_name(request)
