"""The dues engine: DUES.md's worked examples, refusals and how discounts combine."""

from datetime import date

import pytest

from membership.services.dues import (
    DiscountTerms,
    QuoteRefused,
    dues_quote,
    percent_of,
    quote_compute,
    schedule_mark_used,
)
from tests.membership.dues_terms import default_terms

TODAY = date(2026, 11, 27)


def quote(terms=None, **facts):
    facts.setdefault("category", "full")
    facts.setdefault("position", "cao")
    facts.setdefault("salary_cents", None)
    facts.setdefault("population", None)
    facts.setdefault("budget_cents", None)
    return quote_compute(terms=terms or default_terms(), **facts)


def test_cao_150k_pays_0_65_percent():
    q = quote(salary_cents=150_000_00, population=250_000)
    assert q.total_cents == 975_00
    assert [(line.label, line.amount_cents) for line in q.lines] == [
        ("0.65% of $150,000.00 salary", 975_00)
    ]


def test_cao_220k_is_capped_at_1200():
    q = quote(salary_cents=220_000_00)
    assert q.total_cents == 1_200_00
    assert q.lines[-1].label == "Capped at $1,200.00"
    assert q.lines[-1].amount_cents == -230_00


def test_small_community_acao_120k_pays_624():
    q = quote(position="acao", salary_cents=120_000_00, population=5_000, budget_cents=5_000_000_00)
    assert q.total_cents == 624_00
    assert q.lines[1].label == (
        "Small community discount (population ≤ 7,500 and budget ≤ $7,800,000): −20%"
    )
    assert q.lines[1].amount_cents == -156_00


def test_small_community_cap_is_940():
    q = quote(salary_cents=300_000_00, population=7_500, budget_cents=7_800_000_00)
    assert q.total_cents == 940_00
    assert q.lines[-1].label == "Capped at $940.00"


def test_lines_add_up_to_the_total():
    q = quote(salary_cents=300_000_00, population=100, budget_cents=1_00)
    assert sum(line.amount_cents for line in q.lines) == q.total_cents


@pytest.mark.parametrize(
    ("population", "budget_cents", "discounted"),
    [
        (7_500, 7_800_000_00, True),
        (7_501, 7_800_000_00, False),
        (7_500, 7_800_000_01, False),
        (None, 1_000_00, False),
        (1_000, None, False),
    ],
)
def test_small_community_boundaries_are_inclusive_and_need_both(
    population, budget_cents, discounted
):
    q = quote(salary_cents=100_000_00, population=population, budget_cents=budget_cents)
    assert q.total_cents == (520_00 if discounted else 650_00)


def test_fractional_cent_rounds_half_up():
    assert percent_of(1_000, 65) == 7  # 6.5 cents → 7
    assert percent_of(1_000, 64) == 6  # 6.4 cents → 6


@pytest.mark.parametrize(
    ("category", "position", "cents"),
    [
        ("affiliate", "department_head", 200_00),
        ("affiliate", "other_local_government", 150_00),
        ("affiliate", "non_local_government", 150_00),
        ("academic", "faculty", 150_00),
        ("student", "student", 25_00),
        ("retired", "retired", 100_00),
    ],
)
def test_flat_rates(category, position, cents):
    assert quote(category=category, position=position).total_cents == cents


def test_life_is_refused_to_members():
    with pytest.raises(QuoteRefused) as refused:
        quote(category="life", position="cao")
    assert "conferred by ICMA membership staff" in refused.value.errors["category"][0]


def test_life_is_free_when_staff_confer_it():
    assert quote(category="life", position="cao", allow_staff_only=True).total_cents == 0


def test_full_needs_a_cao_acao_or_senior_staff_position():
    with pytest.raises(QuoteRefused) as refused:
        quote(category="full", position="department_head")
    assert "Chief administrative officer" in refused.value.errors["position"][0]


def test_student_needs_the_student_position():
    with pytest.raises(QuoteRefused) as refused:
        quote(category="student", position="cao")
    assert "position" in refused.value.errors


def test_missing_salary_is_refused_for_a_salary_rate():
    with pytest.raises(QuoteRefused) as refused:
        quote(salary_cents=None)
    assert refused.value.errors["salary"] == [
        "Enter your annual salary: Full member dues are 0.65% of salary."
    ]


def test_unknown_codes_are_refused_on_both_fields():
    with pytest.raises(QuoteRefused) as refused:
        quote(category="gold", position="mayor")
    assert set(refused.value.errors) == {"category", "position"}


def test_minimum_raises_a_low_salary_rate():
    q = quote(terms=default_terms(minimum_cents=300_00), salary_cents=10_000_00)
    assert q.total_cents == 300_00
    assert q.lines[1].label == "Raised to the minimum of $300.00"


def test_discounts_combine_multiplicatively_in_priority_order():
    ten = DiscountTerms(label="Ten", percent_off_bp=1_000, priority=1)
    fifty = DiscountTerms(label="Fifty", percent_off_bp=5_000, priority=2)
    q = quote(terms=default_terms(discounts=[fifty, ten]), salary_cents=100_000_00)
    # $650 − 10% = $585, − 50% = $292.50 (not $650 − 60% = $260).
    assert q.total_cents == 292_50
    assert [line.label for line in q.lines[1:]] == ["Ten: −10%", "Fifty: −50%"]


def test_the_lowest_replacement_cap_wins():
    low = DiscountTerms(label="Low cap", replacement_cap_cents=500_00)
    high = DiscountTerms(label="High cap", replacement_cap_cents=800_00)
    q = quote(terms=default_terms(discounts=[high, low]), salary_cents=300_000_00)
    assert q.total_cents == 500_00


def test_a_replacement_cap_above_the_rate_cap_does_not_raise_it():
    generous = DiscountTerms(label="Generous", replacement_cap_cents=5_000_00)
    q = quote(terms=default_terms(discounts=[generous]), salary_cents=300_000_00)
    assert q.total_cents == 1_200_00


@pytest.mark.django_db
def test_dues_quote_uses_the_seeded_published_schedule():
    q = dues_quote(
        category="full",
        position="cao",
        salary_cents=150_000_00,
        population=250_000,
        budget_cents=None,
        on=TODAY,
    )
    assert q.total_cents == 975_00
    assert q.schedule_effective_from == date(2026, 7, 1)
    assert q.currency == "usd"


@pytest.mark.django_db
def test_dues_quote_before_any_schedule_is_refused_on_the_date():
    with pytest.raises(QuoteRefused) as refused:
        dues_quote(
            category="student",
            position="student",
            salary_cents=None,
            population=None,
            budget_cents=None,
            on=date(2000, 1, 1),
        )
    assert "on" in refused.value.errors


@pytest.mark.django_db
def test_schedule_mark_used_records_the_first_use_only():
    from membership.dues_selectors import dues_schedule_in_effect

    schedule = dues_schedule_in_effect(on=TODAY)
    schedule_mark_used(schedule_id=schedule.pk)
    schedule.refresh_from_db()
    first = schedule.first_used_at
    schedule_mark_used(schedule_id=schedule.pk)
    schedule.refresh_from_db()
    assert first is not None
    assert schedule.first_used_at == first


@pytest.mark.django_db
def test_schedule_mark_used_is_in_the_history():
    from membership.dues_selectors import dues_schedule_in_effect
    from membership.models import AuditEntry

    schedule = dues_schedule_in_effect(on=TODAY)
    schedule_mark_used(schedule_id=schedule.pk)
    schedule_mark_used(schedule_id=schedule.pk)
    assert AuditEntry.objects.filter(action="first use", object_id=str(schedule.pk)).count() == 1


def test_salary_quote_rounds_a_half_cent_up():
    # 0.65% of $10.00 is exactly 6.5 cents.
    assert quote(salary_cents=10_00).total_cents == 7
