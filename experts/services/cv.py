"""CV uploads: PDF by content, at most 5 MB."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

CV_MAX_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def cv_validate(upload) -> None:
    """Refuse anything that is not a PDF by its first bytes, or is larger than 5 MB.

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
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(
            _(
                "This file is not a PDF. Save or export your CV as a PDF (File → Save as PDF "
                "in most word processors) and upload that file."
            ),
            code="cv_not_pdf",
        )


@transaction.atomic
def cv_download_record(*, profile, by):
    """Every CV download is a row: who took whose CV, and when. Called once the file is open,
    so a download that fails to start is not logged as made."""
    from experts.models import CVDownload

    return CVDownload.objects.create(profile=profile, downloaded_by=by)
