"""Property tests of the dues engine over random facts and random schedules (acceptance 2)."""

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from membership.services.dues import DiscountTerms, QuoteRefused, RateTerms, quote_compute
from tests.membership.dues_terms import FULL_POSITIONS, SMALL_COMMUNITY, default_terms

salaries = st.integers(min_value=0, max_value=10_000_000_00)
populations = st.one_of(st.none(), st.integers(min_value=0, max_value=50_000_000))
budgets = st.one_of(st.none(), st.integers(min_value=0, max_value=100_000_000_000_00))
bps = st.integers(min_value=0, max_value=10_000)
amounts = st.integers(min_value=0, max_value=100_000_00)


@st.composite
def discounts(draw):
    return DiscountTerms(
        label=draw(st.sampled_from(["A", "B", "C"])),
        percent_off_bp=draw(bps),
        replacement_cap_cents=draw(st.one_of(st.none(), amounts)),
        max_population=draw(st.one_of(st.none(), st.integers(0, 100_000))),
        max_budget_cents=draw(st.one_of(st.none(), amounts.map(lambda a: a * 1_000))),
        priority=draw(st.integers(0, 5)),
        order=draw(st.integers(0, 100)),
    )


@st.composite
def schedules(draw):
    minimum = draw(st.one_of(st.none(), amounts))
    cap = draw(st.one_of(st.none(), st.integers(minimum or 0, 200_000_00)))
    return default_terms(
        percent_bp=draw(bps),
        minimum_cents=minimum,
        cap_cents=cap,
        discounts=draw(st.lists(discounts(), max_size=3)),
    )


@st.composite
def facts(draw):
    category, position = draw(
        st.sampled_from(
            [("full", p) for p in FULL_POSITIONS]
            + [
                ("affiliate", "department_head"),
                ("affiliate", "other_local_government"),
                ("academic", "faculty"),
                ("student", "student"),
                ("retired", "retired"),
            ]
        )
    )
    return {
        "category": category,
        "position": position,
        "salary_cents": draw(salaries),
        "population": draw(populations),
        "budget_cents": draw(budgets),
    }


def quote(terms, **facts):
    return quote_compute(terms=terms, **facts)


def applicable_cap(terms, facts):
    rate = terms.rate_for(facts["category"], facts["position"])
    caps = [rate.cap_cents] if rate.cap_cents is not None else []
    for d in terms.discounts:
        if d.replacement_cap_cents is not None and d.applies(
            category=facts["category"],
            position=facts["position"],
            population=facts["population"],
            budget_cents=facts["budget_cents"],
        ):
            caps.append(d.replacement_cap_cents)
    return min(caps) if caps else None


@given(terms=schedules(), facts=facts())
def test_total_is_never_negative(terms, facts):
    assert quote(terms, **facts).total_cents >= 0


@given(terms=schedules(), facts=facts())
def test_total_is_never_above_the_applicable_cap(terms, facts):
    cap = applicable_cap(terms, facts)
    assume(cap is not None)
    assert quote(terms, **facts).total_cents <= cap


@given(terms=schedules(), facts=facts())
def test_lines_always_add_up_to_the_total(terms, facts):
    q = quote(terms, **facts)
    assert sum(line.amount_cents for line in q.lines) == q.total_cents


@given(terms=schedules(), facts=facts())
def test_a_discount_never_increases_the_total(terms, facts):
    without = replace(terms, discounts=())
    assert quote(terms, **facts).total_cents <= quote(without, **facts).total_cents


@given(terms=schedules(), facts=facts(), extra=discounts())
def test_adding_a_discount_never_increases_the_total(terms, facts, extra):
    more = replace(terms, discounts=(*terms.discounts, extra))
    assert quote(more, **facts).total_cents <= quote(terms, **facts).total_cents


@given(
    terms=schedules(),
    facts=facts(),
    low=salaries,
    high=salaries,
)
def test_a_salary_rate_never_decreases_as_salary_rises(terms, facts, low, high):
    assume(facts["category"] == "full")
    low, high = sorted((low, high))
    assert (
        quote(terms, **{**facts, "salary_cents": low}).total_cents
        <= quote(terms, **{**facts, "salary_cents": high}).total_cents
    )


@given(population=populations, budget=budgets, salary=salaries)
def test_small_community_needs_both_conditions_and_both_are_inclusive(population, budget, salary):
    terms = default_terms()
    q = quote(
        terms,
        category="full",
        position="cao",
        salary_cents=salary,
        population=population,
        budget_cents=budget,
    )
    small = (
        population is not None
        and population <= SMALL_COMMUNITY.max_population
        and budget is not None
        and budget <= SMALL_COMMUNITY.max_budget_cents
    )
    discounted = any(line.label.startswith("Small community") for line in q.lines)
    assert discounted == small


@given(
    population=st.integers(0, 7_500),
    budget=st.integers(0, 7_800_000_00),
    salary=salaries,
)
def test_small_communities_pay_0_52_percent_capped_at_940(population, budget, salary):
    q = quote(
        default_terms(),
        category="full",
        position="acao",
        salary_cents=salary,
        population=population,
        budget_cents=budget,
    )
    full = (salary * 65 * 2 + 10_000) // 20_000
    expected = min(940_00, full - (full * 2_000 * 2 + 10_000) // 20_000)
    assert q.total_cents == expected


@given(salary=st.one_of(st.none(), salaries))
def test_flat_rates_ignore_salary(salary):
    terms = default_terms()
    q = quote(
        terms,
        category="affiliate",
        position="department_head",
        salary_cents=salary,
        population=None,
        budget_cents=None,
    )
    assert q.total_cents == 200_00


def test_a_category_without_a_rate_is_refused():
    terms = replace(
        default_terms(), rates=(RateTerms("student", frozenset(), "flat", amount_cents=1),)
    )
    with pytest.raises(QuoteRefused) as refused:
        quote(
            terms,
            category="full",
            position="cao",
            salary_cents=1,
            population=None,
            budget_cents=None,
        )
    assert "no rate" in refused.value.errors["category"][0]
