"""Where CVs are kept: under PRIVATE_MEDIA_ROOT, never under a public URL."""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateCVStorage(FileSystemStorage):
    """Reads PRIVATE_MEDIA_ROOT on every use, so tests and deployments can move it."""

    @property
    def base_location(self):
        return str(Path(settings.PRIVATE_MEDIA_ROOT) / "expert-cvs")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("CVs have no public URL; serve them through the CV download views.")


_storage = PrivateCVStorage()


def private_cv_storage():
    return _storage


def cv_upload_to(instance, filename):
    # The member's file name is not kept: it may say more than we need, and it is not trusted.
    return f"{uuid.uuid4().hex}.pdf"
