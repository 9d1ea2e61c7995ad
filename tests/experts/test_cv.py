"""experts/services/cv.py and the CV views: PDF by content, 5 MB, private (acceptance 4)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from experts.forms import ExpertProfileForm
from experts.models import StoredFile
from experts.services.cv import CV_MAX_BYTES
from experts.storage import _backends, cv_backend
from tests.experts.factories import PDF_BYTES, area, make_expert, pdf_upload
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def form_with_cv(upload):
    data = {
        "areas": [area("budgeting-finance").pk],
        "years_in_local_government": "12",
        "summary": "Finance director.",
        "engagement_types": ["workshop"],
        "consent": "on",
    }
    return ExpertProfileForm(data, {"cv": upload}, needs_consent=True)


def test_a_pdf_is_accepted():
    form = form_with_cv(pdf_upload())
    assert form.is_valid(), form.errors


def test_a_file_named_pdf_that_is_not_one_is_refused_with_what_to_do():
    form = form_with_cv(pdf_upload("cv.pdf", b"PK\x03\x04 a word document, renamed"))
    assert not form.is_valid()
    assert "This file is not a PDF. Save or export your CV as a PDF" in form.errors["cv"][0]


def test_a_pdf_over_5_mb_is_refused_with_what_to_do():
    big = PDF_BYTES + b"0" * (CV_MAX_BYTES - len(PDF_BYTES) + 1)
    form = form_with_cv(pdf_upload("cv.pdf", big))
    assert not form.is_valid()
    assert "the limit is 5 MB" in form.errors["cv"][0]


def test_a_pdf_of_exactly_5_mb_is_accepted():
    exact = PDF_BYTES + b"0" * (CV_MAX_BYTES - len(PDF_BYTES))
    assert form_with_cv(pdf_upload("cv.pdf", exact)).is_valid()


def test_the_cv_is_stored_in_the_database_with_a_random_name_by_default():
    assert settings.CV_STORAGE == "database"
    profile = make_expert(cv=pdf_upload("Jane Doe CV.pdf"))
    row = StoredFile.objects.get(name=profile.cv.name)
    assert "Jane" not in row.name
    assert row.name.endswith(".pdf")
    assert bytes(row.content) == PDF_BYTES
    assert (row.size, row.content_type) == (len(PDF_BYTES), "application/pdf")
    assert not (Path(settings.PRIVATE_MEDIA_ROOT) / "expert-cvs" / row.name).exists()
    with profile.cv.open("rb") as stored:
        assert stored.read() == PDF_BYTES


def test_with_filesystem_storage_the_cv_is_stored_under_private_media_with_a_random_name(
    settings,
):
    settings.CV_STORAGE = "filesystem"
    profile = make_expert(cv=pdf_upload("Jane Doe CV.pdf"))
    path = Path(profile.cv.path)
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert "Jane" not in path.name
    assert path.read_bytes() == PDF_BYTES


def test_the_cv_has_no_public_url():
    profile = make_expert(cv=pdf_upload())
    with pytest.raises(ValueError):
        profile.cv.url  # noqa: B018


@pytest.mark.parametrize("kind", ["database", "filesystem"])
def test_no_cv_backend_gives_a_url(kind):
    with pytest.raises(ValueError):
        cv_backend(kind).url("x.pdf")


def test_an_unknown_cv_storage_is_refused_with_the_choices(settings):
    settings.CV_STORAGE = "ftp"
    with pytest.raises(ImproperlyConfigured, match="database, s3, filesystem"):
        make_expert(cv=pdf_upload())


def test_s3_storage_needs_a_bucket(settings):
    pytest.importorskip("storages")
    settings.CV_STORAGE = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = ""
    _backends.pop("s3", None)
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        cv_backend()


def test_owner_downloads_their_cv(client):
    profile = make_expert(cv=pdf_upload())
    client.force_login(profile.member.user)
    response = client.get(reverse("experts:cv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_international_staff_download_a_cv(intl_client):
    profile = make_expert(cv=pdf_upload())
    response = intl_client.get(reverse("experts:staff_profile_cv", args=[profile.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_another_member_gets_404_for_a_cv(client):
    profile = make_expert(cv=pdf_upload())
    client.force_login(MemberFactory().user)
    assert client.get(reverse("experts:cv")).status_code == 404
    assert client.get(reverse("experts:staff_profile_cv", args=[profile.pk])).status_code == 404


def test_membership_staff_get_404_for_a_cv(client):
    profile = make_expert(cv=pdf_upload())
    client.force_login(staff_user(groups=["Membership staff"]))
    assert client.get(reverse("experts:staff_profile_cv", args=[profile.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_for_a_cv(client):
    profile = make_expert(cv=pdf_upload())
    response = client.get(reverse("experts:staff_profile_cv", args=[profile.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def download(client, url):
    """GET a file and read it to the end, so the file is closed again."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def test_international_staff_get_404_for_a_cv_whose_consent_is_not_current(intl_client):
    from experts.services.profiles import consent_text_publish

    profile = make_expert(cv=pdf_upload())
    consent_text_publish(body="Version two: we also share your CV with partners.", by=None)
    response = download(intl_client, reverse("experts:staff_profile_cv", args=[profile.pk]))
    assert response.status_code == 404


def test_the_expert_page_offers_no_cv_download_without_current_consent(intl_client):
    from experts.services.profiles import consent_text_publish

    profile = make_expert(cv=pdf_upload())
    consent_text_publish(body="Version two: we also share your CV with partners.", by=None)
    page = intl_client.get(reverse("experts:staff_profile", args=[profile.pk])).content.decode()
    assert reverse("experts:staff_profile_cv", args=[profile.pk]) not in page


def test_the_owner_still_downloads_their_cv_after_a_new_consent_text(client):
    from experts.services.profiles import consent_text_publish

    profile = make_expert(cv=pdf_upload())
    consent_text_publish(body="Version two: we also share your CV with partners.", by=None)
    client.force_login(profile.member.user)
    assert download(client, reverse("experts:cv")).status_code == 200


def test_international_staff_without_totp_are_sent_to_set_it_up_before_a_cv(client):
    profile = make_expert(cv=pdf_upload())
    client.force_login(staff_user(groups=["International programs staff"], with_totp=False))
    response = download(client, reverse("experts:staff_profile_cv", args=[profile.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_each_staff_cv_download_is_logged_with_who_when_and_whose(intl_client, international_staff):
    from experts.models import CVDownload

    profile = make_expert(cv=pdf_upload())
    url = reverse("experts:staff_profile_cv", args=[profile.pk])
    assert download(intl_client, url).status_code == 200
    assert download(intl_client, url).status_code == 200
    downloads = list(CVDownload.objects.order_by("pk"))
    assert len(downloads) == 2
    assert {(d.profile_id, d.downloaded_by_id) for d in downloads} == {
        (profile.pk, international_staff.pk)
    }
    assert all(d.downloaded_at is not None for d in downloads)


def test_the_owners_own_cv_download_is_logged_too(client):
    from experts.models import CVDownload

    profile = make_expert(cv=pdf_upload())
    client.force_login(profile.member.user)
    download(client, reverse("experts:cv"))
    assert CVDownload.objects.get().downloaded_by == profile.member.user


def test_a_refused_cv_download_is_not_logged(client):
    from experts.models import CVDownload
    from experts.services.profiles import consent_text_publish

    profile = make_expert(cv=pdf_upload())
    consent_text_publish(body="Version two: we also share your CV with partners.", by=None)
    client.force_login(staff_user(groups=["International programs staff"]))
    download(client, reverse("experts:staff_profile_cv", args=[profile.pk]))
    client.force_login(staff_user(groups=["Membership staff"]))
    download(client, reverse("experts:staff_profile_cv", args=[profile.pk]))
    assert not CVDownload.objects.exists()


def test_international_staff_see_cv_downloads_on_the_expert_page(intl_client, international_staff):
    profile = make_expert(cv=pdf_upload())
    download(intl_client, reverse("experts:staff_profile_cv", args=[profile.pk]))
    page = intl_client.get(reverse("experts:staff_profile", args=[profile.pk])).content.decode()
    assert "CV downloads" in page
    assert international_staff.email in page


def test_international_staff_see_cv_downloads_on_the_export_log(intl_client, international_staff):
    profile = make_expert(cv=pdf_upload())
    download(intl_client, reverse("experts:staff_profile_cv", args=[profile.pk]))
    page = intl_client.get(reverse("experts:staff_exports")).content.decode()
    assert "CV downloads" in page
    assert international_staff.email in page
    assert profile.member.display_name in page
