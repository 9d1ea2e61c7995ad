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

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit:
            raise UploadTooLarge("The request is larger than MAX_UPLOAD_BYTES.")

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge("The uploaded files are larger than MAX_UPLOAD_BYTES.")
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
    its body is read, and parses file uploads here, under UploadLimitHandler, so an upload
    that turns out larger than announced gets the same answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_BYTES:
            return upload_too_large(request)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 (parsing is the point)
            except UploadTooLarge:
                return upload_too_large(request)
        return self.get_response(request)
