"""The import of the old system's members, terms and payment history (membership/imports/)."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone

from membership.imports.check import verdicts
from membership.imports.reader import encoding_detect
from membership.models import (
    ImportedPayment,
    ImportState,
    Member,
    MemberImport,
    Membership,
    MembershipTerm,
)
from tests.membership.import_export import HEADER, export_build

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes, name="export.csv"):
    return client.post(
        reverse("membership:staff_import_list"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def _latest():
    return MemberImport.objects.order_by("-pk").first()


def _commit(client, member_import, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("membership:staff_import_commit", args=[member_import.pk]))
    assert response.status_code == 302
    member_import.refresh_from_db()
    return member_import


def _portal_state():
    return (
        get_user_model().objects.count(),
        Member.objects.count(),
        Member.objects.aggregate(m=Max("updated_at"))["m"],
        Membership.objects.aggregate(m=Max("updated_at"))["m"],
        MembershipTerm.objects.count(),
        ImportedPayment.objects.count(),
        EmailAddress.objects.count(),
    )


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")],
)
def test_the_encoding_is_detected(encoding, label):
    data, _ = export_build(20, today=dt.date(2026, 12, 3), encoding=encoding)
    assert encoding_detect(data) == label


def test_bytes_undefined_in_windows_1252_are_read_as_latin_1():
    assert encoding_detect(b"legacy_id\r\nX\x81Y\r\n") == "latin-1"


def test_each_problem_is_refused_with_what_to_fix():
    today = timezone.localdate()
    data, expected = export_build(50, today=today)
    found = {v.line: v.reason for chunk in verdicts(data, "utf-8") for v in chunk if v.reason}
    assert set(found) == set(expected.refused_lines)
    reasons = {expected.refused_lines[line]: reason for line, reason in found.items()}
    assert reasons["duplicate"] == "Duplicate: line 8 has the same legacy id."
    assert reasons["salary"].startswith("Salary is missing: Full member dues")
    assert reasons["category"].startswith("Category “platinum” is unknown: use one of")
    assert "Term end “31/31/2024” is not a date" in reasons["date"]
    assert "amount “12,34x” is not an amount in dollars" in reasons["amount"]


def test_a_file_without_the_required_columns_is_refused_and_not_kept(staff_client):
    response = _upload(staff_client, b"id,mail\r\n1,a@example.org\r\n")
    assert response.status_code == 400
    assert "lacks the column(s) legacy_id, email, category" in response.content.decode()
    assert not MemberImport.objects.exists()


def test_a_file_over_the_limit_gets_413_and_is_not_kept(staff_client, settings):
    settings.MEMBER_IMPORT_MAX_BYTES = 1000
    data, _ = export_build(20, today=timezone.localdate())
    response = _upload(staff_client, data)
    assert response.status_code == 413
    assert "Split the export into smaller files" in response.content.decode()
    assert not MemberImport.objects.exists()


def test_9500_rows_in_two_encodings_dry_run_commit_and_commit_again(
    staff_client, django_capture_on_commit_callbacks
):
    """Acceptance 1: through the staff screens, a 9,500-row export in two files."""
    today = timezone.localdate()
    first, first_expected = export_build(5000, today=today, encoding="utf-8-sig")
    before = _portal_state()

    # The dry run lists every bad row by line with its reason and creates nothing.
    response = _upload(staff_client, first, "export-part1.csv")
    assert response.status_code == 302
    check = _latest()
    assert check.state == ImportState.CHECKED
    assert check.encoding == "utf-8-sig"
    assert check.rows_total == 5000
    assert check.rows_new == first_expected.new
    assert check.rows_refused == len(first_expected.refused_lines)
    assert {p["line"]: p["reason"] != "" for p in check.problems} == dict.fromkeys(
        first_expected.refused_lines, True
    )
    assert check.payments_new_cents == first_expected.payments_cents
    assert _portal_state() == before
    page = staff_client.get(reverse("membership:staff_import_detail", args=[check.pk]))
    body = page.content.decode()
    assert "UTF-8 with byte-order mark" in body
    assert "Duplicate: line 8 has the same legacy id." in body

    # The commit imports the rest.
    done = _commit(staff_client, check, django_capture_on_commit_callbacks)
    assert done.state == ImportState.DONE, done.error
    assert done.members_created == first_expected.new
    imported = Member.objects.filter(legacy_id__isnull=False)
    assert imported.count() == first_expected.new
    totals = ImportedPayment.objects.aggregate(s=Sum("amount_cents"))
    assert totals["s"] == first_expected.payments_cents
    assert ImportedPayment.objects.count() == first_expected.payments
    for status, count in first_expected.by_status.items():
        imported_memberships = Membership.objects.filter(member__legacy_id__isnull=False)
        assert imported_memberships.filter(status=status).count() == count
    users = get_user_model().objects.filter(member__legacy_id__isnull=False)
    assert not any(u.has_usable_password() for u in users[:50])

    # A second commit of the same file creates and changes nothing.
    after_first = _portal_state()
    again = _commit(staff_client, done, django_capture_on_commit_callbacks)
    assert again.state == ImportState.DONE
    assert _portal_state() == after_first
    # And its dry run now sees every good row as already imported.
    _upload(staff_client, first, "export-part1-again.csv")
    assert _latest().rows_unchanged == first_expected.new
    assert _latest().rows_new == 0

    # The second part, in Windows-1252, reuses two e-mail addresses imported by the first.
    second, second_expected = export_build(
        4500,
        today=today,
        encoding="cp1252",
        start=5000,
        duplicate_emails=tuple(first_expected.emails[:2]),
    )
    _upload(staff_client, second, "export-part2.csv")
    part2 = _latest()
    assert part2.encoding == "cp1252"
    assert sorted(p["line"] for p in part2.problems) == sorted(second_expected.refused_lines)
    existing = [p for p in part2.problems if "already uses this e-mail" in p["reason"]]
    assert len(existing) == 2
    part2 = _commit(staff_client, part2, django_capture_on_commit_callbacks)
    assert part2.state == ImportState.DONE, part2.error

    total_new = first_expected.new + second_expected.new
    assert Member.objects.filter(legacy_id__isnull=False).count() == total_new
    assert total_new == 9500 - len(first_expected.refused_lines) - len(
        second_expected.refused_lines
    )
    assert (
        ImportedPayment.objects.aggregate(s=Sum("amount_cents"))["s"]
        == first_expected.payments_cents + second_expected.payments_cents
    )
    assert Member.objects.get(legacy_id="OLD0005000").full_name == "José Álvarez 5000"


def test_the_header_may_be_in_any_case_and_order():
    today = timezone.localdate()
    data, _ = export_build(3, today=today)
    lines = data.decode().split("\r\n")
    lines[0] = ",".join(name.upper() for name in HEADER)
    found = [v.outcome for chunk in verdicts("\r\n".join(lines).encode(), "utf-8") for v in chunk]
    assert found == ["new", "new", "new"]


def _import_urls(pk):
    return [
        ("GET", reverse("membership:staff_import_list")),
        ("POST", reverse("membership:staff_import_list")),
        ("GET", reverse("membership:staff_import_detail", args=[pk])),
        ("GET", reverse("membership:staff_import_progress", args=[pk])),
        ("POST", reverse("membership:staff_import_commit", args=[pk])),
        ("POST", reverse("membership:staff_import_claims", args=[pk])),
    ]


def test_only_membership_staff_reach_the_import_screens(
    client, member, international_staff, django_capture_on_commit_callbacks
):
    data, _ = export_build(20, today=timezone.localdate())
    from membership.imports.services import member_import_upload

    member_import = member_import_upload(filename="x.csv", data=data, user=None)
    for user in (None, member.user, international_staff):
        client.logout()
        if user is not None:
            client.force_login(user)
        for method, url in _import_urls(member_import.pk):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.get(url) if method == "GET" else client.post(url)
            expected = 302 if user is None else 403
            assert response.status_code == expected, (method, url, user)
    member_import.refresh_from_db()
    assert member_import.state == ImportState.CHECKED
    assert not Member.objects.filter(legacy_id__isnull=False).exists()


def test_a_stopped_commit_leaves_whole_members_and_resumes(monkeypatch):
    from membership.imports import services

    data, expected = export_build(1200, today=timezone.localdate())
    member_import = services.member_import_upload(filename="x.csv", data=data, user=None)
    real = services._chunk_import
    calls = []

    def stops_on_the_second_chunk(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(*args)

    monkeypatch.setattr(services, "_chunk_import", stops_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        services.member_import_run(import_id=member_import.pk)
    member_import.refresh_from_db()
    assert member_import.state == ImportState.FAILED
    assert "worker lost" in member_import.error
    partial = Member.objects.filter(legacy_id__isnull=False)
    assert 0 < partial.count() < expected.new
    # Every member that arrived is whole: membership, term and e-mail address.
    assert Membership.objects.filter(member__in=partial).count() == partial.count()
    assert MembershipTerm.objects.filter(membership__member__in=partial).count() == partial.count()

    monkeypatch.setattr(services, "_chunk_import", real)
    services.member_import_run(import_id=member_import.pk)
    member_import.refresh_from_db()
    assert member_import.state == ImportState.DONE
    assert Member.objects.filter(legacy_id__isnull=False).count() == expected.new
    assert ImportedPayment.objects.aggregate(s=Sum("amount_cents"))["s"] == expected.payments_cents


def test_the_dry_run_reads_the_database_once_per_chunk_not_per_row(django_assert_max_num_queries):
    from membership.imports.check import CHUNK_ROWS
    from membership.imports.services import member_import_upload

    rows = CHUNK_ROWS * 4
    data, _ = export_build(rows, today=timezone.localdate())
    # Setup (categories, schedule, rates) plus two lookups per chunk and the report's insert.
    with django_assert_max_num_queries(12 + 2 * (rows // CHUNK_ROWS)):
        member_import_upload(filename="x.csv", data=data, user=None)
