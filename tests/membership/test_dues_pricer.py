"""The amount-only path of the dues engine (`amount_pricer`) gives the engine's total, or
refuses, for every set of facts: random schedules, random facts, one pricer reused for many."""

from hypothesis import given, settings
from hypothesis import strategies as st

from membership.services.dues import QuoteRefused, amount_pricer, quote_total_cents
from tests.membership.dues_terms import SMALL_COMMUNITY, default_terms
from tests.membership.test_dues_properties import discounts, schedules

CATEGORIES = ["full", "affiliate", "academic", "student", "retired", "life", "unknown"]
POSITIONS = [
    "cao",
    "acao",
    "senior_staff",
    "department_head",
    "other_local_government",
    "non_local_government",
    "faculty",
    "student",
    "retired",
    "nonsense",
]
# Negative amounts and missing facts included: those are refused by the engine.
maybe_amounts = st.one_of(st.none(), st.integers(min_value=-5, max_value=10_000_000_00))
maybe_populations = st.one_of(st.none(), st.integers(min_value=-5, max_value=200_000))

member_facts = st.tuples(
    st.sampled_from(CATEGORIES),
    st.sampled_from(POSITIONS),
    maybe_amounts,
    maybe_populations,
    maybe_amounts,
)


def engine_total(terms, category, position, salary, population, budget, staff):
    try:
        return quote_total_cents(
            terms=terms,
            category=category,
            position=position,
            salary_cents=salary,
            population=population,
            budget_cents=budget,
            allow_staff_only=staff,
        )
    except QuoteRefused:
        return None


@settings(max_examples=300)
@given(
    terms=schedules(),
    extra=st.lists(discounts(), max_size=2),
    people=st.lists(member_facts, min_size=1, max_size=40),
    staff=st.booleans(),
)
def test_the_pricer_gives_the_engine_total_for_every_member(terms, extra, people, staff):
    from dataclasses import replace

    # Discounts naming categories and positions too, beside the schedule's own.
    named = [
        replace(d, categories=frozenset({"full", "affiliate"}), positions=frozenset({"cao"}))
        for d in extra
    ]
    terms = replace(terms, discounts=(*terms.discounts, *named, SMALL_COMMUNITY))
    price = amount_pricer(terms, allow_staff_only=staff)
    for facts in people:
        assert price(*facts) == engine_total(terms, *facts, staff), facts


def test_the_pricer_refuses_a_member_without_a_category():
    assert amount_pricer(default_terms())(None, "cao", 100_000_00, None, None) is None


def test_the_pricer_quotes_the_default_schedule_to_the_cent():
    price = amount_pricer(default_terms())
    assert price("full", "cao", 150_000_00, None, None) == 975_00
    assert price("full", "cao", 220_000_00, None, None) == 1_200_00
    # 0.65 % of $123,456.78 = $802.469... → $802.47
    assert price("full", "cao", 123_456_78, None, None) == 802_47
    assert price("full", "cao", None, None, None) is None
