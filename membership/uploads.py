"""Request size limits, enforced before a body is read rather than after it is stored."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import render


class UploadTooLarge(RequestDataTooBig):
    """More than MAX_UPLOAD_BYTES arrived. A SuspiciousOperation, so anything that meets it
    outside the middleware below still answers 400, never 500."""


class UploadLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the file bytes of a request as they arrive and
    stops the upload once they pass MAX_UPLOAD_BYTES, whatever the Content-Length said."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.MAX_UPLOAD_BYTES
        self.received = 0

    def _refuse(self, why: str):
        if self.request is not None:
            self.request.upload_too_large = True  # the middleware answers 413 for it
        raise UploadTooLarge(why)

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit:
            self._refuse("The request is larger than MAX_UPLOAD_BYTES.")

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse("The uploaded files are larger than MAX_UPLOAD_BYTES.")
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_too_large(request):
    return render(
        request,
        "413.html",
        {"limit_mb": settings.MAX_UPLOAD_BYTES / (1024 * 1024)},
        status=413,
    )


class UploadLimitMiddleware:
    """Refuses a request whose Content-Length is over MAX_UPLOAD_BYTES with 413 before any of
    its body is read. An upload that turns out larger than announced is stopped by
    UploadLimitHandler wherever the form is first parsed (CSRF checking, usually), and gets
    the same answer here.

    Nothing here reads the body itself: views such as Stripe's webhook need it unparsed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_BYTES:
            return upload_too_large(request)
        response = self.get_response(request)
        if getattr(request, "upload_too_large", False):
            return upload_too_large(request)
        return response
