"""In Chromium, with a real Celery worker consuming from Redis: staff export every member from
the member search, watch the bar reach 100 %, download the file and find the rows; the page
also finishes without JavaScript (it refreshes itself). The dues impact preview of a large
population is computed by the worker while its page polls, then shows the same figures as
the preview computed directly."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import ExportState, MemberExport
from billing.services.member_exports import export_file_whole, member_export_run
from membership.dues_selectors import dues_schedule_in_effect
from membership.models import DuesImpactRun, ImpactRunState, Member
from membership.money import format_cents
from membership.services.dues_preview import dues_impact_preview
from membership.services.dues_preview_runs import impact_terms_key
from membership.services.dues_schedules import schedule_clone
from tests.conftest import SCREENSHOT_DIR
from tests.e2e.helpers import sign_in_as_staff
from tests.factories import MemberFactory, activate_membership

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _shots(page, name: str) -> None:
    """The page at 1280 px and at 390 px, full length, for a person to look at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_export_every_member_watch_it_reach_100_and_download_the_rows(
    page, celery_workers, settings
):
    settings.MEMBER_EXPORT_CHUNK_ROWS = 200
    call_command("seed_members", count=1_500, seed=21, stdout=io.StringIO())
    known = MemberFactory(full_name="Imogen Exportwell", employer="City of Rowfield")
    with celery_workers(1):
        sign_in_as_staff(page)
        page.goto("/staff/members/")
        page.get_by_role("button", name="Export all these members (CSV)").click()
        page.wait_for_url(re.compile(r"/staff/members/exports/\d+/$"))
        # The worker writes the file; the page polls and loads again once it is done.
        download_link = page.get_by_role("link", name=re.compile(r"Download the file"))
        expect(download_link).to_be_visible(timeout=60_000)
        expect(page.locator("#job-figures")).to_contain_text("100 %")
        expect(page.locator("#job-bar")).to_have_attribute("value", "100")
        _shots(page, "member-export-done")
        with page.expect_download() as downloaded:
            download_link.click()
        data = Path(downloaded.value.path()).read_bytes()
    members = Member.objects.count()
    assert export_file_whole(data) == members
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert len(rows) == 1 + members + 1
    found = [row for row in rows if row[0] == known.member_number]
    assert found and found[0][1:3] == ["Imogen Exportwell", known.user.email]
    assert downloaded.value.suggested_filename.endswith(f"-{members}-rows.csv")


def test_without_javascript_the_export_page_refreshes_itself_until_the_file_is_ready(
    browser, live_server
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    staff = sign_in_as_staff(page)
    for _n in range(30):
        MemberFactory()
    export = MemberExport.objects.create(
        requested_by=staff, as_of_on=timezone.localdate(), filters={}, rows_expected=31
    )
    page.goto(f"/staff/members/exports/{export.pk}/")
    expect(page.locator("#job-figures")).to_contain_text("0 %")
    assert page.get_by_role("link", name="Refresh").count() == 1
    # A worker writes it now; the page shows the download after its own refresh.
    member_export_run(export_id=export.pk)
    expect(page.get_by_role("link", name=re.compile(r"Download the file"))).to_be_visible(
        timeout=15_000
    )
    context.close()


def test_the_pages_of_a_job_at_work_on_a_desktop_and_a_phone(page, settings):
    """The export and preview pages while a worker is half-way, as staff see them."""
    staff = sign_in_as_staff(page)
    export = MemberExport.objects.create(
        requested_by=staff,
        as_of_on=timezone.localdate(),
        filters={"country": "US", "status": "active"},
        state=ExportState.RUNNING,
        rows_expected=1_000_000,
        rows_written=415_000,
        heartbeat_at=timezone.now(),
    )
    page.goto(f"/staff/members/exports/{export.pk}/")
    expect(page.locator("#job-figures")).to_contain_text("41 %")
    expect(page.get_by_role("button", name="Stop the export")).to_be_visible()
    _shots(page, "member-export-running")

    current = dues_schedule_in_effect(on=timezone.localdate())
    draft = schedule_clone(schedule_id=current.pk, actor=staff)
    DuesImpactRun.objects.create(
        schedule=draft,
        terms_key=impact_terms_key(schedule=draft),
        state=ImpactRunState.RUNNING,
        members_expected=1_000_000,
        members_done=230_000,
        heartbeat_at=timezone.now(),
    )
    page.goto(f"/staff/dues/{draft.pk}/preview/")
    expect(page.locator("#job-figures")).to_contain_text("23 %")
    _shots(page, "dues-preview-running")


def test_a_large_preview_is_computed_by_the_worker_while_the_page_polls(
    page, celery_workers, settings
):
    settings.DUES_PREVIEW_INLINE_MEMBERS = 0  # every population counts as large here
    for salary in (150_000_00, 190_000_00, 250_000_00):
        activate_membership(
            MemberFactory(
                annual_salary_cents=salary, population=5_000, general_fund_budget_cents=4_000_000_00
            )
        )
    with celery_workers(1):
        staff = sign_in_as_staff(page)
        current = dues_schedule_in_effect(on=timezone.localdate())
        draft = schedule_clone(schedule_id=current.pk, actor=staff)
        draft.rates.filter(method="salary_percent").update(percent_bp=F("percent_bp") + 10)
        page.goto(f"/staff/dues/{draft.pk}/preview/")
        expect(page.locator('[data-total="after"]')).to_be_visible(timeout=60_000)
    expected = dues_impact_preview(schedule=draft)
    assert page.locator('[data-total="after"]').inner_text() == format_cents(
        expected.total_after_cents
    )
    assert page.locator('[data-stat="same"] .stat-value').inner_text() == str(expected.members_same)
    run = DuesImpactRun.objects.get(schedule=draft)
    assert run.state == ImpactRunState.DONE and run.requested_by == staff
    _shots(page, "dues-preview-done")
