"""experts/migrations/0005: CVs already on disk are copied into the database."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from experts.models import StoredFile
from tests.experts.factories import PDF_BYTES, make_expert, pdf_upload

pytestmark = pytest.mark.django_db

copy_cvs = importlib.import_module("experts.migrations.0005_copy_cvs_into_database").copy_cvs


def test_cvs_on_disk_are_copied_into_the_database_once(settings, client, capsys):
    settings.CV_STORAGE = "filesystem"
    on_disk = make_expert(cv=pdf_upload())
    lost = make_expert(cv=pdf_upload())
    lost.cv.storage.delete(lost.cv.name)
    assert not StoredFile.objects.exists()

    settings.CV_STORAGE = "database"
    copy_cvs(apps, None)
    copy_cvs(apps, None)  # again: nothing is copied twice

    row = StoredFile.objects.get()
    assert row.name == on_disk.cv.name
    assert bytes(row.content) == PDF_BYTES
    assert "1 CV file(s) were not on disk" in capsys.readouterr().out
    client.force_login(on_disk.member.user)
    response = client.get(reverse("experts:cv"))
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_nothing_is_copied_when_cvs_stay_on_disk(settings):
    settings.CV_STORAGE = "filesystem"
    make_expert(cv=pdf_upload())
    copy_cvs(apps, None)
    assert not StoredFile.objects.exists()
