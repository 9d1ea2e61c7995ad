"""Membership staff import the old system's export in Chromium: upload, dry run, import."""

import re

import pytest
from django.utils import timezone

from membership.models import Member
from tests.e2e.helpers import sign_in_as_staff
from tests.membership.import_export import export_build

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _both_widths(page, screenshot, name):
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        screenshot(f"{name}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 800})


def test_staff_upload_check_and_import_an_export(page, screenshot, tmp_path):
    data, expected = export_build(120, today=timezone.localdate(), encoding="cp1252")
    export = tmp_path / "old-system-export.csv"
    export.write_bytes(data)
    sign_in_as_staff(page)

    page.goto("/staff/imports/")
    _both_widths(page, screenshot, "staff-import-upload")
    page.get_by_label("Export of the old system (CSV)").set_input_files(str(export))
    page.get_by_role("button", name="Upload and check (dry run)").click()
    page.wait_for_url(re.compile(r"/staff/imports/\d+/$"))
    assert page.get_by_test_id("encoding").inner_text() == "Windows-1252"
    assert page.get_by_test_id("rows-refused").inner_text() == str(len(expected.refused_lines))
    assert page.locator("[data-testid=problems] tbody tr").count() == len(expected.refused_lines)
    assert not Member.objects.filter(legacy_id__isnull=False).exists()
    _both_widths(page, screenshot, "staff-import-dry-run")

    page.get_by_role("button", name=f"Import {expected.new} members").click()
    page.wait_for_selector("[data-testid=import-result]")
    assert page.get_by_test_id("import-state").inner_text() == "Imported"
    assert Member.objects.filter(legacy_id__isnull=False).count() == expected.new
    _both_widths(page, screenshot, "staff-import-done")
