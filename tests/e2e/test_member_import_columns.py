"""Membership staff map another system's column names in Chromium before the dry run."""

import re

import pytest
from django.utils import timezone

from membership.models import ImportSource
from tests.e2e.helpers import sign_in_as_staff
from tests.membership.import_export import RENAMED, export_build, headers_renamed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_map_renamed_columns_and_the_dry_run_follows(page, screenshot, tmp_path):
    data, expected = export_build(40, today=timezone.localdate())
    export = tmp_path / "imis-export.csv"
    export.write_bytes(headers_renamed(data))
    sign_in_as_staff(page)

    page.goto("/staff/imports/")
    page.get_by_label("Export of the old system (CSV)").set_input_files(str(export))
    page.get_by_label("Source").fill("iMIS export")
    page.get_by_role("button", name="Upload and check (dry run)").click()
    page.wait_for_url(re.compile(r"/staff/imports/\d+/columns/$"))
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        screenshot(f"staff-import-columns-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 800})

    # Submitting without the renamed required columns names them.
    page.get_by_role("button", name="Save the mapping and check (dry run)").click()
    page.get_by_text("required column(s) legacy_id, email, category").wait_for()
    for column, header in RENAMED.items():
        page.get_by_label(column, exact=False).first.select_option(header.lower())
    page.get_by_role("button", name="Save the mapping and check (dry run)").click()
    page.wait_for_url(re.compile(r"/staff/imports/\d+/$"))
    assert page.get_by_test_id("rows-new").inner_text() == str(expected.new)
    assert page.get_by_test_id("rows-refused").inner_text() == str(len(expected.refused_lines))
    assert ImportSource.objects.get(name="iMIS export").mapping["legacy_id"] == "member id"
