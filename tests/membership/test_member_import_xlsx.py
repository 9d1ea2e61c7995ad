"""The member import from an Excel workbook, and the column-mapping step saved per source."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from membership.imports.columns import COLUMNS
from membership.imports.reader import cell_text
from membership.models import ImportedPayment, ImportSource, ImportState, Member, MemberImport
from tests.membership.import_export import RENAMED, export_build, headers_renamed

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^\d+$")


def _upload(client, data: bytes, name: str, source: str = ""):
    return client.post(
        reverse("membership:staff_import_list"),
        {"file": SimpleUploadedFile(name, data, content_type=XLSX_TYPE), "source": source},
    )


def _latest():
    return MemberImport.objects.order_by("-pk").first()


def _workbook_of(csv_data: bytes) -> bytes:
    """The CSV export as a workbook the way Excel keeps it: ISO dates as date cells, whole
    numbers as number cells (population as a float, as Excel stores every number)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    reader = csv.reader(io.StringIO(csv_data.decode("utf-8")))
    header = next(reader)
    sheet.append(header)
    for cells in reader:
        values = []
        for name, cell in zip(header, cells, strict=True):
            if name in ("term_start", "term_end", "member_since") and _ISO.match(cell):
                values.append(dt.date.fromisoformat(cell))
            elif name == "population" and _NUMBER.match(cell):
                values.append(float(cell))
            elif name in ("salary", "budget") and _NUMBER.match(cell):
                values.append(int(cell))
            else:
                values.append(cell)
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_with_date_and_number_cells_imports_like_the_csv(
    staff_client, django_capture_on_commit_callbacks
):
    data, expected = export_build(150, today=timezone.localdate())
    workbook = _workbook_of(data)
    # The workbook really holds typed cells, not text.
    sheet = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).worksheets[0]
    types = {type(v) for row in sheet.iter_rows(min_row=2, values_only=True) for v in row}
    assert {dt.datetime, int} <= types

    assert _upload(staff_client, data, "export.csv").status_code == 302
    from_csv = _latest()
    response = _upload(staff_client, workbook, "export.xlsx")
    assert response.status_code == 302, response.content.decode()[:2000]
    from_xlsx = _latest()
    assert from_xlsx.state == ImportState.CHECKED
    assert from_xlsx.encoding == "xlsx"
    for count in ("rows_total", "rows_new", "rows_refused", "payments_new", "payments_new_cents"):
        assert getattr(from_xlsx, count) == getattr(from_csv, count), count
    assert from_xlsx.rows_new == expected.new
    assert from_xlsx.payments_new_cents == expected.payments_cents
    # Refusals name the sheet's row numbers, with the same reasons as the CSV's lines.
    assert from_xlsx.problems == from_csv.problems
    assert sorted(p["line"] for p in from_xlsx.problems) == sorted(expected.refused_lines)
    page = staff_client.get(reverse("membership:staff_import_detail", args=[from_xlsx.pk]))
    assert "Excel workbook (XLSX)" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("membership:staff_import_commit", args=[from_xlsx.pk]))
    from_xlsx.refresh_from_db()
    assert from_xlsx.state == ImportState.DONE, from_xlsx.error
    assert from_xlsx.members_created == expected.new
    assert Member.objects.filter(member_import=from_xlsx).count() == expected.new
    paid = ImportedPayment.objects.filter(member_import=from_xlsx)
    assert paid.count() == expected.payments
    assert paid.aggregate(s=Sum("amount_cents"))["s"] == expected.payments_cents
    # Dates and numbers arrived as the CSV meant them.
    first = Member.objects.get(legacy_id="OLD0000000")
    assert first.membership.member_since_on.isoformat() in data.decode()


def test_cells_read_as_the_text_the_csv_holds():
    assert cell_text(dt.datetime(2025, 7, 1)) == "2025-07-01"
    assert cell_text(dt.date(2025, 7, 1)) == "2025-07-01"
    assert cell_text(25000.0) == "25000"
    assert cell_text(975.5) == "975.5"
    assert cell_text(150000) == "150000"
    assert cell_text(None) == ""
    assert cell_text(" OLD1 ") == " OLD1 "


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip archive", "damaged or not an .xlsx file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "protected by a password"),
        (None, "damaged or not an .xlsx file"),
    ],
)
def test_a_corrupt_or_protected_workbook_is_refused_and_not_kept(staff_client, data, message):
    if data is None:  # a real workbook cut short in transfer
        whole = _workbook_of(export_build(20, today=timezone.localdate())[0])
        data = whole[: len(whole) // 2]
    response = _upload(staff_client, data, "export.xlsx")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MemberImport.objects.exists()


def _selected(body: str) -> dict[str, str]:
    """Each column's select on the mapping page → the option preselected ("" for none)."""
    found = {}
    for column in COLUMNS:
        select = re.search(rf'<select name="col_{column}".*?</select>', body, re.S).group(0)
        option = re.search(r'<option value="([^"]*)" selected>', select)
        found[column] = option.group(1) if option else ""
    return found


def _post_mapping(client, pk, mapping: dict[str, str], source: str):
    form = {f"col_{c}": mapping.get(c, "") for c in COLUMNS}
    form["source"] = source
    return client.post(reverse("membership:staff_import_columns", args=[pk]), form)


def test_renamed_headers_are_mapped_saved_and_offered_for_the_next_file(
    staff_client, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    data, expected = export_build(60, today=today)
    response = _upload(staff_client, headers_renamed(data), "imis.csv", source="iMIS export")
    mapping_import = _latest()
    assert mapping_import.state == ImportState.MAPPING
    columns_url = reverse("membership:staff_import_columns", args=[mapping_import.pk])
    assert response.url == columns_url
    # Not importable before its columns are mapped.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("membership:staff_import_commit", args=[mapping_import.pk]))
    assert not Member.objects.filter(legacy_id__isnull=False).exists()

    page = staff_client.get(columns_url)
    assert page.status_code == 200
    offered = _selected(page.content.decode())
    # Same-named columns are preselected; renamed ones are left for staff to choose.
    assert offered["position"] == "position"
    assert offered["payments"] == "payments"
    assert all(offered[c] == "" for c in RENAMED)
    mapping = {c: offered[c] or RENAMED[c].lower() for c in COLUMNS}

    response = _post_mapping(staff_client, mapping_import.pk, mapping, "iMIS export")
    assert response.status_code == 302
    mapping_import.refresh_from_db()
    assert mapping_import.state == ImportState.CHECKED
    assert mapping_import.rows_new == expected.new
    assert mapping_import.rows_refused == len(expected.refused_lines)
    assert mapping_import.payments_new_cents == expected.payments_cents
    saved = ImportSource.objects.get(name="iMIS export")
    assert saved.mapping["legacy_id"] == "member id"
    assert saved.mapping["term_end"] == "paid thru"

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("membership:staff_import_commit", args=[mapping_import.pk]))
    mapping_import.refresh_from_db()
    assert mapping_import.state == ImportState.DONE, mapping_import.error
    assert mapping_import.members_created == expected.new
    assert Member.objects.get(legacy_id="OLD0000001").full_name.endswith(" 1")

    # The next file of the same source opens with last time's mapping preselected.
    later, _ = export_build(10, today=today, start=1000)
    _upload(staff_client, headers_renamed(later), "imis-2.csv", source="iMIS export")
    second = _latest()
    assert second.state == ImportState.MAPPING
    page = staff_client.get(reverse("membership:staff_import_columns", args=[second.pk]))
    assert _selected(page.content.decode()) == {c: mapping.get(c, "") for c in COLUMNS}
    assert 'value="iMIS export"' in page.content.decode()


def test_a_mapping_without_a_required_column_is_refused_naming_it(staff_client):
    data, _ = export_build(10, today=timezone.localdate())
    _upload(staff_client, headers_renamed(data), "imis.csv", source="iMIS export")
    mapping_import = _latest()
    mapping = {c: c for c in COLUMNS if c not in RENAMED}
    mapping["email"] = "e-mail address"
    mapping["full_name"] = "name"
    response = _post_mapping(staff_client, mapping_import.pk, mapping, "iMIS export")
    assert response.status_code == 400
    body = response.content.decode()
    assert "required column(s) legacy_id, category, term_start, term_end" in body
    mapping_import.refresh_from_db()
    assert mapping_import.state == ImportState.MAPPING
    assert mapping_import.rows_total == 0
    assert not ImportSource.objects.exists()

    # One of the file's columns chosen for two expected columns is refused too.
    mapping.update(legacy_id="member id", category="member type", term_start="paid from")
    mapping["term_end"] = "paid from"
    response = _post_mapping(staff_client, mapping_import.pk, mapping, "iMIS export")
    assert response.status_code == 400
    assert "is chosen for both term_start and term_end" in response.content.decode()
    assert not ImportSource.objects.exists()
