"""A member's data download, and closing the account (acceptance 4 of the data rights).

On PostgreSQL, because the history triggers keep copies of old rows there and the point is
that no copy survives: every table is searched for the member's markers."""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from billing.models import Invoice, InvoiceLine
from experts.models import ExpertProfile, StoredFile
from privacy.models import AccountClosure, DataDownload
from tests.factories import PASSWORD
from tests.privacy.helpers import bytea_columns_containing, make_marked_member, tables_containing

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the history copies live in PostgreSQL"
    ),
]


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_download_holds_terms_invoices_expert_profile_and_messages():
    marked = make_marked_member()
    client = Client()
    client.force_login(marked.user)

    response = client.get(reverse("privacy:download"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "private" in response["Cache-Control"]
    archive = _zip(response)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["member_number"] == marked.member.member_number
    names = set(archive.namelist())
    for section in manifest["sections"]:
        assert set(section["files"]) <= names

    def load(name):
        return json.loads(archive.read(f"{name}.json"))

    assert load("profile")["full_name"] == marked.name
    assert load("profile")["annual_salary_cents"] == marked.salary_cents
    assert load("profile")["account"]["email"] == marked.email
    terms = load("terms")
    assert [t["id"] for t in terms] == [marked.invoice.term_id]
    invoices = load("invoices")
    assert [(i["number"], i["total_cents"]) for i in invoices] == [
        (marked.invoice.number, marked.invoice.total_cents)
    ]
    lines = load("invoice_lines")
    assert sum(line["amount_cents"] for line in lines) == marked.invoice.total_cents
    assert [p["amount_cents"] for p in load("payments")] == [marked.invoice.total_cents]
    assert load("expert_profile")["id"] == marked.profile.pk
    assert load("expert_profile")["summary"] == marked.profile.summary
    assert load("expert_profile")["name_zh"] == marked.profile.name_zh
    [consent] = load("consents")
    assert consent["text_zh"] == marked.profile.consent_text.body_zh
    assert set(consent["texts_shown"]) == {"en", "zh-hans"}
    subjects = [m["subject"] for m in load("messages")]
    assert f"Hello {marked.name}" in subjects
    assert len(load("waivers")) == 1
    # Tables come as CSV too, with a header row and one row per record.
    terms_csv = archive.read("terms.csv").decode("utf-8-sig").splitlines()
    assert terms_csv[0].startswith("id,") and len(terms_csv) == 2
    assert marked.invoice.number in archive.read("invoices.csv").decode("utf-8-sig")
    # The download itself is on record.
    record = DataDownload.objects.get(member=marked.member)
    assert record.downloaded_by == marked.user and not record.by_staff


def test_another_member_cannot_download_someone_elses_data(member_client):
    marked = make_marked_member()
    response = member_client.get(reverse("privacy:download"))
    archive = _zip(response)
    assert json.loads(archive.read("profile.json"))["id"] != marked.member.pk
    assert marked.email.encode() not in b"".join(archive.read(name) for name in archive.namelist())


def test_after_closing_name_email_salary_and_cv_are_gone_from_every_table():
    marked = make_marked_member()
    total, line_sum = (
        marked.invoice.total_cents,
        sum(
            InvoiceLine.objects.filter(invoice=marked.invoice).values_list(
                "amount_cents", flat=True
            )
        ),
    )
    cv_name = marked.profile.cv.name
    assert StoredFile.objects.filter(name=cv_name).exists()
    # Before: the markers are there to be found (the search works), history copies included.
    before = {what: tables_containing(text) for what, text in marked.text_markers.items()}
    assert "membership_member" in before["full name"]
    assert "experts_expertprofile" in before["name in Chinese"]
    assert "billing_paymentevent" in before["full name"]
    assert "auth_user" in before["e-mail"]
    assert "billing_invoice" in before["salary in cents"]
    assert bytea_columns_containing(marked.cv_bytes) == ["experts_storedfile.content"]
    client = Client()
    client.login(username=marked.email, password=PASSWORD)

    response = client.post(reverse("privacy:close"), {"confirmation": marked.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:closed")
    leftovers = {what: tables_containing(text) for what, text in marked.text_markers.items()}
    assert leftovers == {what: [] for what in marked.text_markers}
    assert bytea_columns_containing(marked.cv_bytes) == []
    assert bytea_columns_containing(marked.name.encode()) == []
    assert bytea_columns_containing(marked.email.encode()) == []
    assert not StoredFile.objects.filter(name=cv_name).exists()
    assert not ExpertProfile.objects.filter(member=marked.member).exists()
    # The invoice stays, under the member number, with its total and lines unchanged.
    invoice = Invoice.objects.get(pk=marked.invoice.pk)
    assert invoice.total_cents == total and invoice.paid_cents == total
    assert invoice.member_id == marked.member.pk
    assert sum(invoice.lines.values_list("amount_cents", flat=True)) == line_sum
    closure = AccountClosure.objects.get(member=marked.member)
    assert closure.member_number == marked.member.member_number and not closure.by_staff
    assert closure.consent_facts and closure.consent_facts[0]["version"] >= 1
    # The closure is in the history, labelled as such.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.pgh_label FROM membership_membershipevent e JOIN pghistory_context c "
            "ON c.id = e.pgh_context_id WHERE e.pgh_obj_id = %s "
            "AND c.metadata->>'source' = 'account_closure'",
            [marked.member.membership.pk],
        )
        assert [row[0] for row in cursor.fetchall()] == ["account_closure"]
    # Signed out, and nobody can sign in again, by the old address or the placeholder.
    assert "_auth_user_id" not in client.session
    for login in (marked.email, f"closed-{marked.member.member_number.lower()}@invalid"):
        assert not Client().login(username=login, password=PASSWORD)
        form = Client().post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assert form.status_code == 200 and "_auth_user_id" not in form.wsgi_request.session


def test_the_confirmation_must_be_the_email_or_close():
    marked = make_marked_member()
    client = Client()
    client.force_login(marked.user)
    page = client.get(reverse("privacy:close"))
    assert b"Erased at once" in page.content and b"Kept" in page.content

    wrong = client.post(reverse("privacy:close"), {"confirmation": "close please"})

    assert wrong.status_code == 200
    assert b"your account is still open" in wrong.content
    assert not AccountClosure.objects.exists()
    right = client.post(reverse("privacy:close"), {"confirmation": "CLOSE"})
    assert right.status_code == 302 and AccountClosure.objects.count() == 1
