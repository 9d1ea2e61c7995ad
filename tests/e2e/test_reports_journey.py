"""Staff open each report in a browser, change a filter, download the CSV and find the page's
figures in it; screenshots at desktop and phone widths for a person to look at."""

import csv
import io

import pytest

from tests.e2e.helpers import sign_in_as_staff
from tests.reports.history import build_history

pytestmark = pytest.mark.django_db(transaction=True)

# (url, the filter to change, its new value, the table whose figures are compared)
REPORTS = [
    ("/staff/reports/membership/", "#id_start", "2025-01", "status"),
    ("/staff/reports/revenue/", "#id_fy", "2026", "months"),
    ("/staff/reports/aging/", "#id_on", "2026-01-15", "aging"),
    ("/staff/reports/waivers/", "#id_fy_from", "2025", "years"),
    ("/staff/reports/forecast/", "#id_fy", "2027", "months"),
]


def _table_rows(page, key):
    return page.locator(f'table[data-table="{key}"] tbody tr, table[data-table="{key}"] tfoot tr')


def _set(page, selector, value):
    field = page.locator(selector)
    if field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def test_each_report_filters_downloads_and_matches(page, screenshot):
    build_history()
    sign_in_as_staff(page)
    assert page.url.endswith("/staff/")
    screenshot("reports-staff-home-1280")
    for url, selector, value, key in REPORTS:
        page.goto(url)
        assert page.locator("svg.chart").first.get_attribute("role") == "img"
        _set(page, selector, value)
        page.get_by_role("button", name="Show").click()
        page.wait_for_load_state()
        name = selector.removeprefix("#id_")
        assert f"{name}={value}" in page.url
        with page.expect_download() as info:
            page.get_by_role("link", name="Download as CSV").click()
        path = info.value.path()
        with open(path, encoding="utf-8") as handle:
            rows = list(csv.reader(io.StringIO(handle.read())))
        rows_on_page = _table_rows(page, key)
        assert rows_on_page.count() > 0
        for i in range(rows_on_page.count()):
            cells = [c.strip() for c in rows_on_page.nth(i).locator("th, td").all_inner_texts()]
            if len(cells) == 1:
                continue  # "Nothing to show"
            assert cells in rows, (url, cells)
        slug = url.strip("/").split("/")[-1]
        screenshot(f"reports-{slug}-1280")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot(f"reports-{slug}-390")
        page.set_viewport_size({"width": 1280, "height": 900})


def test_out_of_date_figures_say_so_and_refresh(page, screenshot, settings):
    """In production's stale window a change is not counted at once: the page says since when
    its figures stand and how many changes they miss; Refresh computes them again."""
    from membership.models import MembershipTerm

    settings.REPORTS_STALE_SECONDS = 900
    history = build_history()
    sign_in_as_staff(page)
    url = "/staff/reports/membership/?start=2025-06&end=2025-10"
    august = page.locator('table[data-table="status"] tbody tr', has_text="2025-08")

    def cells():
        return [c.strip() for c in august.locator("td").all_inner_texts()]

    page.goto(url)
    assert cells()[1:5] == ["4", "0", "4", "1"]
    MembershipTerm.objects.filter(membership=history["A"], start_on="2025-07-01").update(
        status="refunded"
    )
    page.goto(url)
    note = page.get_by_role("status").filter(has_text="Figures as of")
    assert "1 change to members" in note.inner_text()
    assert cells()[1:5] == ["4", "0", "4", "1"]  # not counted yet, as the note says
    screenshot("reports-stale-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("reports-stale-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Refresh").click()
    page.wait_for_load_state()
    assert "being computed again" in page.content()
    page.goto(url)
    assert cells()[1:5] == ["3", "0", "3", "2"]  # A's refunded renewal no longer counts
    assert "nothing they count has changed since" in page.content()
