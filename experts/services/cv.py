"""CV uploads: PDF by structure, at most 5 MB."""

import warnings

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from pypdf import PdfReader

CV_MAX_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
# Browsers sniff the first 512 bytes of a file and PDF readers look for the header in the
# first 1,024: web-page markup there makes a file both a PDF and a page (a polyglot).
HEAD_BYTES = 1024
HTML_MARKERS = (
    b"<html",
    b"<!doctype",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<svg",
    b"<img",
    b"<object",
    b"<embed",
    b"<meta",
    b"<style",
)


def _again() -> str:
    return _(
        "Save or export your CV as a PDF (File → Save as PDF in most word processors) and "
        "upload that file."
    )


def _pdf_page_count(upload) -> int | None:
    """The number of pages, or None when the file does not parse as a PDF."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return len(PdfReader(upload, strict=False).pages)
    except Exception:  # a damaged file can fail anywhere in the parser: it is not a PDF
        return None
    finally:
        upload.seek(0)


def cv_validate(upload) -> None:
    """Refuse anything larger than 5 MB, or that is not a PDF by its first bytes and its
    structure: it must parse, have a page, and carry no web-page markup in its head.

    The name and the browser's content type are ignored: both are chosen by the uploader.
    """
    if upload.size > CV_MAX_BYTES:
        raise ValidationError(
            _(
                "Your CV is %(size).1f MB; the limit is 5 MB. Save a smaller PDF (for example "
                "without photos, or with “reduce file size”) and upload it again."
            )
            % {"size": upload.size / (1024 * 1024)},
            code="cv_too_large",
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if not head.startswith(PDF_MAGIC):
        raise ValidationError(
            _("This file is not a PDF. %(again)s") % {"again": _again()}, code="cv_not_pdf"
        )
    lowered = head.lower()
    if any(marker in lowered for marker in HTML_MARKERS):
        raise ValidationError(
            _("This file is not a plain PDF: it also holds web-page code. %(again)s")
            % {"again": _again()},
            code="cv_polyglot",
        )
    pages = _pdf_page_count(upload)
    if pages is None:
        raise ValidationError(
            _("This file could not be read as a PDF. %(again)s") % {"again": _again()},
            code="cv_unreadable",
        )
    if pages == 0:
        raise ValidationError(
            _("This PDF has no pages. %(again)s") % {"again": _again()}, code="cv_no_pages"
        )


@transaction.atomic
def cv_download_record(*, profile, by):
    """Every CV download is a row: who took whose CV, and when. Called once the file is open,
    so a download that fails to start is not logged as made."""
    from experts.models import CVDownload

    return CVDownload.objects.create(profile=profile, downloaded_by=by)
