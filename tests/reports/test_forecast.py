"""The forecast: known terms × a known renewal rate × a known schedule give a known amount, and
under a draft it equals the impact preview's "after" total for the same members."""

import pytest
import time_machine
from django.urls import reverse

from membership.models import DuesRate, Position
from membership.services.dues_preview import dues_impact_preview
from membership.services.dues_schedules import schedule_clone
from reports.periods import fiscal_year
from reports.selectors.forecast import forecast_compute, renewal_rate_measured
from tests.reports.history import NOW, TODAY, Builder

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(db):
    """Three members renewed in July 2026 (their next terms end in FY2028), one who did not."""
    with time_machine.travel(NOW, tick=False):
        b = Builder()
        people = [
            ("P1", "full", Position.CAO, 150_000_00, "07-05"),  # 0.65 % → $975.00
            ("P2", "full", Position.CAO, 220_000_00, "07-10"),  # capped at $1,200.00
            ("P3", "affiliate", Position.DEPARTMENT_HEAD, None, "07-12"),  # flat $200.00
        ]
        for name, category, position, salary, day in people:
            m = b.member(name, category=category, position=position, salary=salary)
            b.term(m, "join", f"2025-{day}", f"2026-{day}")
            b.term(m, "renewal", f"2026-{day}", f"2027-{day}", activated=f"2026-{day}")
        lapsed = b.member("L1", category="full")
        b.term(lapsed, "join", "2025-07-15", "2026-07-15")
        yield


def test_renewal_rate_is_measured_over_the_terms_whose_grace_is_over(population, today):
    rate = renewal_rate_measured(today=TODAY, grace_days=60)
    assert (rate.ended, rate.renewed, rate.percent) == (4, 3, "75.0 %")


def test_forecast_is_requoted_terms_times_the_renewal_rate(population, today):
    forecast = forecast_compute(period=fiscal_year(2028, start_month=7), today=TODAY, grace_days=60)
    assert forecast.terms == 3
    assert forecast.not_quoted == 0
    assert forecast.requoted_cents == 975_00 + 1_200_00 + 200_00
    assert forecast.expected_cents == 1_781_25  # $2,375.00 × 3/4
    assert forecast.schedule_names == ["ICMA dues from July 2026"]


def test_forecast_under_a_draft_equals_the_impact_preview_after_total(population, today):
    draft = schedule_clone(schedule_id=DuesRate.objects.first().schedule_id, actor=None)
    DuesRate.objects.filter(schedule=draft, method="salary_percent").update(percent_bp=70)
    forecast = forecast_compute(
        period=fiscal_year(2028, start_month=7), today=TODAY, grace_days=60, draft=draft
    )
    preview = dues_impact_preview(schedule=draft)
    # P1 at 0.70 % = $1,050.00; P2 still capped; P3 flat.
    assert forecast.draft.total_after_cents == 1_050_00 + 1_200_00 + 200_00
    assert forecast.draft.total_after_cents == preview.total_after_cents
    assert forecast.draft.total_before_cents == preview.total_before_cents
    assert forecast.draft_expected_cents == 1_837_50


def test_forecast_over_the_history_for_the_current_year(history):
    # Ending in FY2027 and not renewed: C (2026-09-01, capped $1,200), D's waiver (2026-09-15,
    # $975.00), B (2027-01-10, department head $200). Measured: C, D and A renewed, F not.
    forecast = forecast_compute(period=fiscal_year(2027, start_month=7), today=TODAY, grace_days=60)
    assert (forecast.terms, forecast.requoted_cents) == (3, 2_375_00)
    assert (forecast.rate.ended, forecast.rate.renewed) == (4, 3)
    assert forecast.expected_cents == 1_781_25


def test_forecast_page_states_its_assumptions(population, today, staff_client):
    draft = schedule_clone(schedule_id=DuesRate.objects.first().schedule_id, actor=None)
    html = staff_client.get(
        reverse("reports:forecast") + f"?fy=2028&draft={draft.pk}"
    ).content.decode()
    assert "$1,781.25" in html
    assert "$2,375.00" in html
    assert "How these figures are counted" in html
    csv_text = staff_client.get(
        reverse("reports:forecast") + f"?fy=2028&draft={draft.pk}&format=csv"
    ).content.decode()
    assert "$1,781.25" in csv_text
