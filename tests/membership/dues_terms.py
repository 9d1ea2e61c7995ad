"""Plain engine inputs for tests: ICMA's default schedule without a database."""

from datetime import date

from membership.services.dues import CategoryTerms, DiscountTerms, RateTerms, ScheduleTerms

FULL_POSITIONS = ("cao", "acao", "senior_staff")

CATEGORIES = {
    "full": CategoryTerms("full", "Full member", FULL_POSITIONS, True),
    "affiliate": CategoryTerms(
        "affiliate",
        "Affiliate member",
        ("department_head", "other_local_government", "non_local_government"),
        True,
    ),
    "academic": CategoryTerms("academic", "Academic member", ("faculty",), True),
    "student": CategoryTerms("student", "Student member", ("student",), True),
    "retired": CategoryTerms("retired", "Retired member", ("retired",), True),
    "life": CategoryTerms("life", "Life member", (), False),
}

SMALL_COMMUNITY = DiscountTerms(
    label="Small community discount",
    percent_off_bp=2_000,
    replacement_cap_cents=940_00,
    max_population=7_500,
    max_budget_cents=7_800_000_00,
    categories=frozenset({"full"}),
    positions=frozenset(FULL_POSITIONS),
    priority=10,
)


def default_terms(*, percent_bp=65, cap_cents=1_200_00, minimum_cents=None, discounts=None):
    return ScheduleTerms(
        id=1,
        name="Test schedule",
        effective_from=date(2026, 7, 1),
        categories=CATEGORIES,
        rates=(
            RateTerms(
                "full",
                frozenset(FULL_POSITIONS),
                "salary_percent",
                percent_bp=percent_bp,
                cap_cents=cap_cents,
                minimum_cents=minimum_cents,
            ),
            RateTerms("affiliate", frozenset({"department_head"}), "flat", amount_cents=200_00),
            RateTerms("affiliate", frozenset(), "flat", amount_cents=150_00),
            RateTerms("academic", frozenset(), "flat", amount_cents=150_00),
            RateTerms("student", frozenset(), "flat", amount_cents=25_00),
            RateTerms("retired", frozenset(), "flat", amount_cents=100_00),
            RateTerms("life", frozenset(), "flat", amount_cents=0),
        ),
        discounts=(SMALL_COMMUNITY,) if discounts is None else tuple(discounts),
    )
