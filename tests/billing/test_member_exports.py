"""The staff member export as a background job: billing/services/member_exports.py and its
pages. Jobs run through the real task (eagerly after commit, or in a real worker below)."""

import csv
import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import ExportState, MemberExport, MemberExportPart
from billing.services import member_exports
from billing.services.member_exports import (
    export_file_whole,
    member_export_run,
    member_export_start,
    member_exports_sweep,
)
from billing.staff_selectors import MemberFilters
from membership.models import Membership, Status
from tests.factories import MemberFactory, issue_invoice, pay_invoice, staff_user

pytestmark = pytest.mark.django_db

START = reverse("billing_staff:member_export")
HEADER = [
    "Member number",
    "Name",
    "E-mail",
    "Position",
    "Employer",
    "Country",
    "State or province",
    "Category",
    "Status",
    "Paid through",
    "Member since",
]


def _detail(export) -> str:
    return reverse("billing_staff:member_export_detail", args=[export.pk])


def _download(export) -> str:
    return reverse("billing_staff:member_export_download", args=[export.pk])


def start_export(client, query=None, capture=None) -> MemberExport:
    """POST the member search's export button; the job runs after commit (eagerly)."""
    url = START + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    export = MemberExport.objects.latest("pk")
    assert response["Location"] == _detail(export)
    return export


def file_of(client, export) -> bytes:
    response = client.get(_download(export))
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


@pytest.fixture
def export_of(staff_client, django_capture_on_commit_callbacks):
    """`export_of(query)` starts an export as the signed-in staff member, lets it run, and
    returns the job and its file."""

    def run(query=None):
        export = start_export(staff_client, query, django_capture_on_commit_callbacks)
        export.refresh_from_db()
        return export, file_of(staff_client, export)

    return run


@pytest.fixture
def people():
    active = MemberFactory(
        full_name="Avery Quill", employer="City of Larkspur", user__email="aquill@larkspur.gov"
    )
    pay_invoice(issue_invoice(active))
    pending = MemberFactory(full_name="Dana Pending", employer="Town of Wren")
    issue_invoice(pending)
    return {"active": active, "pending": pending}


def test_an_export_is_started_with_post_only(staff_client):
    assert staff_client.get(START).status_code == 405
    assert not MemberExport.objects.exists()


def test_the_request_only_saves_the_job_and_the_worker_writes_the_file(
    staff_client, people, django_capture_on_commit_callbacks
):
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = staff_client.post(START)
    assert response.status_code == 302
    # The request read no member: it saved the job and queued its task.
    assert not any('FROM "membership_member"' in q["sql"] for q in queries.captured_queries)
    export = MemberExport.objects.get()
    assert export.state == ExportState.QUEUED and len(callbacks) == 1
    callbacks[0]()
    export.refresh_from_db()
    assert export.state == ExportState.DONE
    assert export.rows_written == 3  # the two people and the staff member


def test_the_file_has_the_header_one_row_per_member_and_the_closing_line(export_of):
    call_command("seed_members", count=300, seed=11, stdout=io.StringIO())
    export, data = export_of()
    rows = rows_of(data)
    assert rows[0] == HEADER
    assert len(rows) == 1 + 301 + 1  # header, seeded members and the staff user, closing line
    assert rows[-1] == [f"# end of export: 301 members; sha256={export.sha256}"]
    assert export.rows_written == export.rows_expected == 301
    assert export_file_whole(data) == 301
    assert len(data) == export.size_bytes


def test_a_row_holds_the_members_facts(export_of, people):
    export, data = export_of({"q": "Avery"})
    membership = Membership.objects.get(member=people["active"])
    assert rows_of(data)[1] == [
        people["active"].member_number,
        "Avery Quill",
        "aquill@larkspur.gov",
        "Chief administrative officer (CAO)",
        "City of Larkspur",
        "US",
        "VA",
        "Full member",
        "Active",
        membership.paid_through_on.isoformat(),
        membership.member_since_on.isoformat(),
    ]


def test_the_export_applies_the_search_filters_and_ignores_the_page(export_of, people):
    _export, data = export_of({"status": Status.PENDING, "page": "3"})
    assert [row[0] for row in rows_of(data)[1:-1]] == [people["pending"].member_number]


def test_the_export_defuses_spreadsheet_formulas(export_of):
    MemberFactory(full_name='=HYPERLINK("http://evil.example")', employer="+1 Town")
    _export, data = export_of({"q": "evil.example"})
    row = rows_of(data)[1]
    assert row[1].startswith("'=")
    assert row[4] == "'+1 Town"


def test_the_worker_stores_the_file_in_parts_of_the_chunk_size(staff_user_export, settings):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 100
    call_command("seed_members", count=249, seed=13, stdout=io.StringIO())
    with CaptureQueriesContext(connection) as queries:
        member_export_run(export_id=staff_user_export.pk)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "membership_member"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    # One read of the members, through a cursor, whatever their number.
    assert len(reads) == 1
    staff_user_export.refresh_from_db()
    # 250 members (the staff user too) in chunks of 100, and the closing line: four parts.
    parts = MemberExportPart.objects.filter(export=staff_user_export).order_by("number")
    assert staff_user_export.parts == parts.count() == 4
    lines = [bytes(part.content).count(b"\r\n") for part in parts]
    assert lines == [1 + 100, 100, 50, 1]
    assert staff_user_export.rows_written == 250


@pytest.fixture
def staff_user_export(membership_staff):
    return MemberExport.objects.create(
        requested_by=membership_staff, as_of_on=timezone.localdate(), filters={}
    )


def _finished_file(export) -> bytes:
    member_export_run(export_id=export.pk)
    export.refresh_from_db()
    return b"".join(member_exports.member_export_content(export))


def test_a_file_cut_short_anywhere_is_never_taken_for_whole(staff_user_export, settings):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 7
    for n in range(20):
        MemberFactory(full_name=f"Member, Number {n}\nsecond line", employer="Town of Cut")
    data = _finished_file(staff_user_export)
    assert export_file_whole(data) == 21
    # Every shorter file, cut at any byte (within a row, at a line end, before the closing
    # line or inside it), fails the check.
    assert all(export_file_whole(data[:cut]) is None for cut in range(len(data)))


def test_a_file_with_a_row_changed_or_dropped_fails_the_check(staff_user_export):
    for n in range(5):
        MemberFactory(full_name=f"Member {n}")
    data = _finished_file(staff_user_export)
    lines = data.split(b"\r\n")
    without_a_row = b"\r\n".join(lines[:2] + lines[3:])
    assert export_file_whole(without_a_row) is None
    assert export_file_whole(data.replace(b"Member 3", b"Member 8")) is None


def test_a_failed_export_keeps_no_file_and_refuses_the_download(
    staff_client, membership_staff, settings, monkeypatch
):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 10
    call_command("seed_members", count=40, seed=3, stdout=io.StringIO())
    export = MemberExport.objects.create(
        requested_by=membership_staff, as_of_on=timezone.localdate(), filters={}
    )
    real_rows = member_exports.members_export_rows

    def database_gone_after_twenty_rows(**kwargs):
        for n, row in enumerate(real_rows(**kwargs)):
            if n == 20:
                raise OperationalError("server closed the connection unexpectedly")
            yield row

    monkeypatch.setattr(member_exports, "members_export_rows", database_gone_after_twenty_rows)
    assert member_export_run(export_id=export.pk) == ExportState.FAILED
    export.refresh_from_db()
    assert export.state == ExportState.FAILED
    assert "server closed" in export.error
    assert export.rows_written == 20  # how far it got, shown on the page
    assert not MemberExportPart.objects.filter(export=export).exists()
    response = staff_client.get(_download(export))
    assert response.status_code == 409
    assert not response["Content-Type"].startswith("text/csv")
    assert "stopped with an error" in response.content.decode()


def test_an_unfinished_export_refuses_the_download(staff_client, staff_user_export):
    MemberExport.objects.filter(pk=staff_user_export.pk).update(
        state=ExportState.RUNNING, rows_expected=100, rows_written=40, parts=4
    )
    response = staff_client.get(_download(staff_user_export))
    assert response.status_code == 409
    assert "not finished yet" in response.content.decode()


def test_a_done_export_with_a_part_missing_in_storage_refuses_the_download(
    staff_client, staff_user_export, settings
):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 2
    for _n in range(5):
        MemberFactory()
    _finished_file(staff_user_export)
    MemberExportPart.objects.filter(export=staff_user_export, number=1).delete()
    response = staff_client.get(_download(staff_user_export))
    assert response.status_code == 409
    assert "not complete in storage" in response.content.decode()


def test_the_download_says_its_length_and_checksum(staff_client, staff_user_export):
    MemberFactory()
    data = _finished_file(staff_user_export)
    response = staff_client.get(_download(staff_user_export))
    assert int(response["Content-Length"]) == len(data)
    assert response["X-Export-SHA256"] == staff_user_export.sha256
    assert response["Content-Disposition"] == (
        f'attachment; filename="icma-members-{timezone.localdate().isoformat()}-2-rows.csv"'
    )
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }


def test_only_the_staff_member_who_started_it_sees_an_export(client, staff_user_export):
    _finished_file(staff_user_export)
    urls = [
        _detail(staff_user_export),
        _download(staff_user_export),
        reverse("billing_staff:member_export_progress", args=[staff_user_export.pk]),
    ]
    client.force_login(staff_user(groups=["Membership staff"]))
    for url in urls:
        assert client.get(url).status_code == 404, url
    stop = reverse("billing_staff:member_export_stop", args=[staff_user_export.pk])
    assert client.post(stop).status_code == 404
    client.force_login(staff_user(groups=["International programs staff"]))
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.force_login(staff_user_export.requested_by)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_stopped_export_is_not_written(staff_client, staff_user_export):
    stop = reverse("billing_staff:member_export_stop", args=[staff_user_export.pk])
    assert staff_client.post(stop).status_code == 302
    staff_user_export.refresh_from_db()
    assert staff_user_export.state == ExportState.CANCELLED
    assert member_export_run(export_id=staff_user_export.pk) == ExportState.CANCELLED
    assert not MemberExportPart.objects.filter(export=staff_user_export).exists()


def test_a_redelivered_export_starts_its_file_again(staff_user_export, settings):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 3
    for _n in range(7):
        MemberFactory()
    # A worker died after two parts: the row says running, the parts are there.
    MemberExport.objects.filter(pk=staff_user_export.pk).update(
        state=ExportState.RUNNING, rows_written=6, parts=2
    )
    for number in (0, 1):
        MemberExportPart.objects.create(export=staff_user_export, number=number, content=b"x")
    data = _finished_file(staff_user_export)
    assert export_file_whole(data) == 8
    assert staff_user_export.attempts == 1 and staff_user_export.rows_written == 8


def test_a_finished_export_run_again_is_left_as_it_was(staff_user_export):
    MemberFactory()
    data = _finished_file(staff_user_export)
    assert member_export_run(export_id=staff_user_export.pk) == ExportState.DONE
    assert b"".join(member_exports.member_export_content(staff_user_export)) == data


def test_an_export_whose_worker_went_quiet_shows_as_stopped(staff_client, staff_user_export):
    MemberExport.objects.filter(pk=staff_user_export.pk).update(
        state=ExportState.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    progress = staff_client.get(
        reverse("billing_staff:member_export_progress", args=[staff_user_export.pk])
    ).json()
    assert progress["stalled"] and progress["finished"] and not progress["done"]
    page = staff_client.get(_detail(staff_user_export)).content.decode()
    assert "Start the export again" in page


def test_the_progress_page_and_poll_read_one_job_whatever_its_size(
    staff_client, staff_user_export, django_assert_max_num_queries, settings
):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 50
    call_command("seed_members", count=400, seed=2, stdout=io.StringIO())
    _finished_file(staff_user_export)
    with django_assert_max_num_queries(8):
        page = staff_client.get(_detail(staff_user_export))
    assert "Download the file (401 members)" in page.content.decode()
    with django_assert_max_num_queries(6):
        staff_client.get(
            reverse("billing_staff:member_export_progress", args=[staff_user_export.pk])
        )


def test_the_progress_page_refreshes_itself_without_javascript(staff_client, staff_user_export):
    page = staff_client.get(_detail(staff_user_export)).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page
    assert "Refresh</a>" in page
    assert "Stop the export" in page


def test_old_exports_and_their_files_are_swept(staff_user_export):
    MemberFactory()
    _finished_file(staff_user_export)
    MemberExport.objects.filter(pk=staff_user_export.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    fresh = MemberExport.objects.create(
        requested_by=staff_user_export.requested_by, as_of_on=timezone.localdate()
    )
    assert member_exports_sweep() >= 1
    assert list(MemberExport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not MemberExportPart.objects.exists()


def test_the_member_list_offers_the_export_as_a_form_with_the_search(staff_client, people):
    page = staff_client.get(reverse("billing_staff:member_list"), {"q": "Avery"}).content.decode()
    assert f'action="{START}?q=Avery"' in page
    assert 'form="member-export-form"' in page


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_export_while_the_web_side_only_polls(
    celery_workers, client, settings
):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 500
    call_command("seed_members", count=2_000, seed=17, stdout=io.StringIO())
    staff = staff_user(groups=["Membership staff"])
    client.force_login(staff)
    with celery_workers(1):
        with transaction.atomic():
            export = member_export_start(filters=MemberFilters(), user=staff)
        progress_url = reverse("billing_staff:member_export_progress", args=[export.pk])
        seen = []

        def done():
            seen.append(client.get(progress_url).json()["percent"])
            return seen[-1] == 100

        assert _wait_for(done), f"the worker did not finish the export: {seen}"
    export.refresh_from_db()
    assert export.state == ExportState.DONE and export.attempts == 1
    data = file_of(client, export)
    assert export_file_whole(data) == 2_001
