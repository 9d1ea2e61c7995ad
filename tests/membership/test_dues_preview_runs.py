"""The impact preview as a kept run: membership/services/dues_preview_runs.py and the page."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membership.models import DuesImpactRun, ImpactRunState
from membership.services import dues_preview_runs
from membership.services.dues_preview import (
    dues_impact_preview,
    impact_as_json,
    impact_from_json,
)
from membership.services.dues_preview_runs import impact_run_compute, impact_terms_key
from tests.factories import MemberFactory, activate_membership
from tests.membership.dues_helpers import draft_from_current, edit_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def members():
    for salary, population in ((150_000_00, 4_000), (200_000_00, 4_000), (90_000_00, 90_000)):
        activate_membership(
            MemberFactory(
                annual_salary_cents=salary,
                population=population,
                general_fund_budget_cents=3_000_000_00,
            )
        )
    activate_membership(MemberFactory(position="student"), category="student")


@pytest.fixture
def draft(staff_client):
    draft = draft_from_current()
    staff_client.post(
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        edit_form_data(draft, discounts={0: {"replacement_cap": "800"}}),
    )
    return draft


def _page(client, draft):
    return client.get(reverse("dues:staff_schedule_preview", args=[draft.pk]))


def test_a_kept_preview_has_every_figure_of_the_preview_itself(members, draft):
    direct = dues_impact_preview(schedule=draft)
    assert direct.members_less >= 1 and direct.changes_by_dollar
    assert impact_from_json(impact_as_json(direct)) == direct


def test_a_small_population_is_computed_in_the_request_with_the_preview_figures(
    staff_client, members, draft
):
    page = _page(staff_client, draft)
    run = DuesImpactRun.objects.get(schedule=draft)
    assert run.state == ImpactRunState.DONE
    assert impact_from_json(run.result) == dues_impact_preview(schedule=draft)
    assert page.context["preview"] == dues_impact_preview(schedule=draft)
    assert "Compute again" in page.content.decode()


def test_a_fresh_result_is_shown_again_without_quoting_members(staff_client, members, draft):
    _page(staff_client, draft)
    with CaptureQueriesContext(connection) as queries:
        _page(staff_client, draft)
    assert DuesImpactRun.objects.filter(schedule=draft).count() == 1
    # The member stream (the dues facts of every member) was not read again.
    assert not any("annual_salary_cents" in q["sql"] for q in queries.captured_queries)


def test_an_edit_to_the_draft_makes_the_next_visit_compute_afresh(staff_client, members, draft):
    _page(staff_client, draft)
    before_key = impact_terms_key(schedule=draft)
    staff_client.post(
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        edit_form_data(draft, discounts={0: {"replacement_cap": "700"}}),
    )
    assert impact_terms_key(schedule=draft) != before_key
    page = _page(staff_client, draft)
    assert DuesImpactRun.objects.filter(schedule=draft).count() == 2
    assert page.context["preview"] == dues_impact_preview(schedule=draft)


def test_a_result_older_than_the_fresh_window_is_computed_again(staff_client, members, draft):
    _page(staff_client, draft)
    DuesImpactRun.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    _page(staff_client, draft)
    assert DuesImpactRun.objects.filter(schedule=draft).count() == 2


def test_compute_again_starts_a_new_run(staff_client, members, draft):
    _page(staff_client, draft)
    response = staff_client.post(reverse("dues:staff_schedule_preview", args=[draft.pk]))
    assert response.status_code == 302
    assert DuesImpactRun.objects.filter(schedule=draft, state=ImpactRunState.DONE).count() == 2


def test_a_large_population_goes_to_a_worker_and_the_page_polls(
    staff_client, members, draft, settings, django_capture_on_commit_callbacks
):
    settings.DUES_PREVIEW_INLINE_MEMBERS = 2
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        page = _page(staff_client, draft)
    html = page.content.decode()
    # The request counted at most three members and quoted none.
    member_reads = [q["sql"] for q in queries.captured_queries if '"membership_member"' in q["sql"]]
    assert all("LIMIT 3" in sql for sql in member_reads), member_reads
    run = DuesImpactRun.objects.get(schedule=draft)
    assert run.state == ImpactRunState.QUEUED and len(callbacks) == 1
    assert 'id="job-bar"' in html and '<noscript><meta http-equiv="refresh"' in html
    assert "Refresh</a>" in html and "data-total" not in html
    progress_url = reverse("dues:staff_schedule_preview_progress", args=[draft.pk, run.pk])
    assert staff_client.get(progress_url).json()["finished"] is False
    callbacks[0]()  # the task, as the worker runs it
    progress = staff_client.get(progress_url).json()
    assert progress["done"] and progress["percent"] == 100
    assert progress["members_done"] == progress["members_expected"] == 4
    page = _page(staff_client, draft)
    assert page.context["preview"] == dues_impact_preview(schedule=draft)
    assert DuesImpactRun.objects.filter(schedule=draft).count() == 1


def test_the_worker_reports_progress_while_it_quotes(members, draft, monkeypatch):
    call_command("seed_members", count=30, seed=4, with_memberships=True, stdout=io.StringIO())
    monkeypatch.setattr(dues_preview_runs, "PROGRESS_EVERY", 10)
    run = DuesImpactRun.objects.create(schedule=draft, terms_key="x")
    recorded = []
    counting = dues_preview_runs._counting

    def observed(run_id):
        def watch(rows):
            for row in counting(run_id)(rows):
                yield row
                recorded.append(DuesImpactRun.objects.get(pk=run_id).members_done)

        return watch

    monkeypatch.setattr(dues_preview_runs, "_counting", observed)
    assert impact_run_compute(run_id=run.pk) == ImpactRunState.DONE
    # What the page polls moved while the members were read, 10 at a time.
    assert {0, 10, 20, 30} <= set(recorded) and recorded == sorted(recorded)


def test_a_failed_run_is_recorded_and_the_page_offers_to_try_again(
    staff_client, members, draft, monkeypatch
):
    def broken(**kwargs):
        raise ValueError("a rate without a category")

    monkeypatch.setattr(dues_preview_runs, "dues_impact_preview", broken)
    page = _page(staff_client, draft).content.decode()
    run = DuesImpactRun.objects.get(schedule=draft)
    assert run.state == ImpactRunState.FAILED and "a rate without a category" in run.error
    assert "stopped with an error" in page and "Try again" in page
    # The failure is shown, not retried on every visit.
    _page(staff_client, draft)
    assert DuesImpactRun.objects.filter(schedule=draft).count() == 1


def test_a_run_whose_worker_died_is_replaced_at_the_next_visit(staff_client, members, draft):
    DuesImpactRun.objects.create(
        schedule=draft,
        terms_key=impact_terms_key(schedule=draft),
        state=ImpactRunState.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    page = _page(staff_client, draft)
    assert page.context["preview"] == dues_impact_preview(schedule=draft)
    assert DuesImpactRun.objects.filter(schedule=draft, state=ImpactRunState.DONE).count() == 1


def test_a_finished_run_computed_again_is_left_as_it_was(members, draft):
    run = DuesImpactRun.objects.create(schedule=draft, terms_key="x")
    impact_run_compute(run_id=run.pk)
    run.refresh_from_db()
    kept = run.result
    DuesImpactRun.objects.filter(pk=run.pk).update(result={**kept, "members_more": 99})
    assert impact_run_compute(run_id=run.pk) == ImpactRunState.DONE
    run.refresh_from_db()
    assert run.result["members_more"] == 99


def test_the_progress_of_one_schedule_is_not_found_under_another(staff_client, members, draft):
    other = draft_from_current()
    run = DuesImpactRun.objects.create(schedule=draft, terms_key="x")
    url = reverse("dues:staff_schedule_preview_progress", args=[other.pk, run.pk])
    assert staff_client.get(url).status_code == 404
