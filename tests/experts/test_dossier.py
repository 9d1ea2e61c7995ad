"""The dossier export: recommended, consenting, still in the pool; every export logged."""

import csv
import io

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from experts.models import DossierExport
from experts.services.profiles import consent_text_publish, expert_consent, expert_withdraw
from experts.services.requests import (
    engagement_invite,
    engagement_recommend,
    engagement_respond,
    engagement_shortlist,
)
from tests.experts.factories import make_expert, make_request

pytestmark = pytest.mark.django_db


def recommended(request, staff, **expert_options):
    expert = make_expert(**expert_options)
    engagement = engagement_shortlist(request=request, profile=expert, by=staff)
    engagement_invite(engagement=engagement, by=staff)
    engagement_respond(engagement=engagement, accept=True)
    engagement_recommend(engagement=engagement, by=staff)
    return expert


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def request_with_two(international_staff):
    request = make_request()
    first = recommended(request, international_staff, full_name="Avery Chen")
    second = recommended(request, international_staff, full_name="Jordan Rivera")
    return request, first, second


def test_csv_lists_the_recommended_experts(intl_client, request_with_two):
    request, first, second = request_with_two
    make_expert(full_name="Not Recommended")
    rows = csv_rows(intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk])))
    assert [row["Name"] for row in rows] == ["Avery Chen", "Jordan Rivera"]
    assert rows[0]["Consent version"] == "1"


def test_csv_is_streamed_as_an_attachment(intl_client, request_with_two):
    request, *_ = request_with_two
    response = intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk]))
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")


def test_each_export_is_logged_with_who_and_whose_data(
    intl_client, international_staff, request_with_two
):
    request, first, second = request_with_two
    intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk]))
    intl_client.get(reverse("experts:staff_dossier_print", args=[request.pk]))
    csv_export, print_export = DossierExport.objects.order_by("pk")
    assert (csv_export.format, print_export.format) == ("csv", "print")
    assert csv_export.exported_by == international_staff
    assert set(csv_export.experts.all()) == {first, second}


def test_staff_see_the_export_log(intl_client, request_with_two):
    request, first, _second = request_with_two
    intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk]))
    page = intl_client.get(reverse("experts:staff_exports")).content.decode()
    assert request.title in page
    assert first.member.member_number in page


def test_withdrawn_expert_is_left_out_of_the_next_export(intl_client, request_with_two):
    request, first, second = request_with_two
    expert_withdraw(member=first.member)
    rows = csv_rows(intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk])))
    assert [row["Name"] for row in rows] == ["Jordan Rivera"]


def test_expert_must_reconsent_to_be_exported(intl_client, international_staff, request_with_two):
    request, first, second = request_with_two
    new = consent_text_publish(body="Version two.", by=international_staff)
    expert_consent(member=second.member, consent_text=new)
    rows = csv_rows(intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk])))
    assert [(row["Name"], row["Consent version"]) for row in rows] == [("Jordan Rivera", "2")]


def test_printable_dossier_shows_the_experts(intl_client, request_with_two):
    request, first, _second = request_with_two
    page = intl_client.get(reverse("experts:staff_dossier_print", args=[request.pk]))
    assert page.status_code == 200
    assert "Avery Chen" in page.content.decode()
    assert "Not Recommended" not in page.content.decode()


def test_csv_cells_cannot_run_as_spreadsheet_formulas(intl_client, international_staff):
    request = make_request()
    recommended(request, international_staff, full_name="=HYPERLINK(1)")
    rows = csv_rows(intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk])))
    assert rows[0]["Name"] == "'=HYPERLINK(1)"


def test_csv_starts_with_a_byte_order_mark_for_spreadsheets(intl_client, request_with_two):
    request, _, _ = request_with_two
    response = intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk]))

    assert b"".join(response.streaming_content).startswith("\ufeffMember number".encode())


def test_each_export_records_the_fields_sent(intl_client, request_with_two):
    request, _, _ = request_with_two
    intl_client.get(reverse("experts:staff_dossier_print", args=[request.pk]))
    b"".join(intl_client.get(reverse("experts:staff_dossier_csv", args=[request.pk])))

    printed, csv_export = DossierExport.objects.order_by("id")
    assert "E-mail" in printed.fields and "Member number" not in printed.fields
    assert "Member number" in csv_export.fields and "Consent version" in csv_export.fields


def test_the_expert_sees_each_export_of_their_profile(client, intl_client, request_with_two):
    request, first, second = request_with_two
    other = make_request(title="Study tour on sustainable development")
    intl_client.get(reverse("experts:staff_dossier_print", args=[request.pk]))
    intl_client.get(reverse("experts:staff_dossier_print", args=[other.pk]))  # nobody in it
    export = DossierExport.objects.get(request=request)

    client.force_login(first.member.user)
    page = client.get(reverse("experts:mine")).content.decode()

    assert request.title in page
    assert request.partner.name in page
    assert date_filter(timezone.localtime(export.exported_at), "DATETIME_FORMAT") in page
    assert other.title not in page
    assert reverse("experts:withdraw") in page


def test_an_expert_never_exported_is_told_so(client, international_staff):
    expert = make_expert()
    client.force_login(expert.member.user)

    page = client.get(reverse("experts:mine")).content.decode()

    assert "Your profile has not been sent to any partner yet." in page
