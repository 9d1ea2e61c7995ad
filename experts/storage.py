"""Where CVs are kept: never under a public URL, and by default in the database.

`CV_STORAGE` picks the backend, read on every use (so tests and deployments can switch it):

- `database` (the default): the bytes live in `experts.StoredFile`, so every web node and
  worker sees the same files and a database backup carries them;
- `s3`: an S3-compatible bucket through django-storages (`AWS_STORAGE_BUCKET_NAME`, …); the
  bucket then needs a backup of its own;
- `filesystem`: a folder under PRIVATE_MEDIA_ROOT, for a single machine only.

Whatever the backend, the names are the same (`<random>.pdf`) and there is no URL: CVs are
served only through the CV download views.
"""

import mimetypes
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.deconstruct import deconstructible

CV_STORAGE_CHOICES = ("database", "s3", "filesystem")
NO_URL = "CVs have no public URL; serve them through the CV download views."


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
        raise ValueError(NO_URL)


class DatabaseStorage(Storage):
    """Files as rows of `experts.StoredFile`: name, bytes, size and content type."""

    @staticmethod
    def _rows():
        from experts.models import StoredFile

        return StoredFile.objects

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Stored files are written with save(), not opened for writing.")
        row = self._rows().filter(name=name).only("content").first()
        if row is None:
            raise FileNotFoundError(f"No stored file named {name!r}")
        return ContentFile(bytes(row.content), name=name)

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = b"".join(content.chunks()) if hasattr(content, "chunks") else content.read()
        content_type = (
            getattr(content, "content_type", None)
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )
        self._rows().create(name=name, content=data, size=len(data), content_type=content_type)
        return name

    def delete(self, name):
        if name:
            self._rows().filter(name=name).delete()

    def exists(self, name):
        return self._rows().filter(name=name).exists()

    def size(self, name):
        size = self._rows().filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(f"No stored file named {name!r}")
        return size

    def listdir(self, path):
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        directories, files = set(), []
        for name in self._rows().filter(name__startswith=prefix).values_list("name", flat=True):
            rest = name[len(prefix) :]
            if "/" in rest:
                directories.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(directories), sorted(files)

    def get_created_time(self, name):
        created = self._rows().filter(name=name).values_list("created_at", flat=True).first()
        if created is None:
            raise FileNotFoundError(f"No stored file named {name!r}")
        return created

    get_modified_time = get_created_time
    get_accessed_time = get_created_time

    def url(self, name):
        raise ValueError(NO_URL)


def _s3_storage() -> Storage:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError as missing:
        raise ImproperlyConfigured(
            "CV_STORAGE=s3 needs django-storages with boto3: `pip install 'django-storages[s3]'`."
        ) from missing
    bucket = getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise ImproperlyConfigured("CV_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    return S3Storage(
        bucket_name=bucket,
        location=getattr(settings, "CV_S3_PREFIX", "expert-cvs"),
        default_acl="private",
        querystring_auth=True,
        file_overwrite=False,
    )


_backends: dict[str, Storage] = {}


def cv_backend(kind: str | None = None) -> Storage:
    """The storage that holds CVs now (`CV_STORAGE`), or the one named."""
    kind = kind or getattr(settings, "CV_STORAGE", "database")
    if kind not in CV_STORAGE_CHOICES:
        raise ImproperlyConfigured(
            f"CV_STORAGE is {kind!r}; use one of {', '.join(CV_STORAGE_CHOICES)}."
        )
    if kind not in _backends:
        if kind == "database":
            _backends[kind] = DatabaseStorage()
        elif kind == "filesystem":
            _backends[kind] = PrivateCVStorage()
        else:
            _backends[kind] = _s3_storage()
    return _backends[kind]


@deconstructible(path="experts.storage.SelectedCVStorage")
class SelectedCVStorage(Storage):
    """What the CV field holds: passes every call to the backend `CV_STORAGE` names."""

    def open(self, name, mode="rb"):
        return cv_backend().open(name, mode)

    def save(self, name, content, max_length=None):
        return cv_backend().save(name, content, max_length=max_length)

    def get_valid_name(self, name):
        return cv_backend().get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return cv_backend().get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return cv_backend().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return cv_backend().generate_filename(filename)

    def path(self, name):
        return cv_backend().path(name)

    def delete(self, name):
        return cv_backend().delete(name)

    def exists(self, name):
        return cv_backend().exists(name)

    def listdir(self, path):
        return cv_backend().listdir(path)

    def size(self, name):
        return cv_backend().size(name)

    def url(self, name):
        raise ValueError(NO_URL)

    def get_accessed_time(self, name):
        return cv_backend().get_accessed_time(name)

    def get_created_time(self, name):
        return cv_backend().get_created_time(name)

    def get_modified_time(self, name):
        return cv_backend().get_modified_time(name)


_storage = SelectedCVStorage()


def private_cv_storage():
    return _storage


def cv_upload_to(instance, filename):
    # The member's file name is not kept: it may say more than we need, and it is not trusted.
    return f"{uuid.uuid4().hex}.pdf"
