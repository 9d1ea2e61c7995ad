"""The impact preview and the member stream it reads."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from membership.dues_chart import change_histogram
from membership.models import Position
from membership.selectors import members_for_dues_preview
from membership.services.dues_preview import dues_impact_preview, impact_compute
from tests.factories import MemberFactory, activate_membership
from tests.membership.dues_helpers import draft_from_current, edit_form_data, rate_index
from tests.membership.dues_terms import default_terms


def test_preview_counts_more_less_and_same():
    before, after = default_terms(), default_terms(cap_cents=1_000_00)
    members = [
        (1, "full", "cao", 300_000_00, None, None),  # 1,200 → 1,000: less
        (2, "full", "cao", 100_000_00, None, None),  # 650: same
        (3, "student", "student", None, None, None),  # 25: same
    ]
    preview = impact_compute(before=before, after=after, members=members)
    assert (preview.members_less, preview.members_same, preview.members_more) == (1, 2, 0)
    assert preview.total_before_cents == 1_200_00 + 650_00 + 25_00
    assert preview.total_change_cents == -200_00


def test_preview_counts_members_it_cannot_quote():
    members = [(1, "full", "cao", None, None, None), (2, None, "", None, None, None)]
    preview = impact_compute(before=default_terms(), after=default_terms(), members=members)
    assert preview.members_not_quoted == 2
    assert preview.members_quoted == 0


def test_preview_keeps_the_ten_largest_changes_largest_first():
    members = [(i, "full", "cao", i * 10_000_00, None, None) for i in range(1, 30)]
    preview = impact_compute(
        before=default_terms(), after=default_terms(percent_bp=100), members=members
    )
    changes = [c.change_cents for c in preview.largest_changes]
    assert len(changes) == 10
    assert changes == sorted(changes, reverse=True)
    assert changes[0] == max(abs(c) for c in changes)


def test_histogram_has_at_most_twenty_bars_covering_every_member():
    chart = change_histogram(Counter(dict.fromkeys(range(-500, 700, 7), 1)))
    assert len(chart.bars) <= 20
    assert sum(bar.count for bar in chart.bars) == len(range(-500, 700, 7))


def test_histogram_colours_increases_and_decreases_apart():
    chart = change_histogram(Counter({-100: 3, 50: 2}))
    assert {bar.increase for bar in chart.bars if bar.count} == {True, False}


def test_no_changes_draw_no_histogram():
    assert change_histogram(Counter()) is None


@pytest.mark.django_db
def test_members_are_quoted_in_their_category_or_the_first_admitting_their_position():
    from membership.models import Membership

    activate_membership(MemberFactory(position=Position.DEPARTMENT_HEAD), category="full")
    faculty = activate_membership(MemberFactory(position=Position.FACULTY))
    nobody = activate_membership(MemberFactory(position=""))
    Membership.objects.filter(member__in=[faculty, nobody]).update(category=None)
    categories = sorted(row[1] or "-" for row in members_for_dues_preview())
    assert categories == ["-", "academic", "full"]


def _preview_queries(schedule) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        dues_impact_preview(schedule=schedule)
    return len(queries)


@pytest.mark.django_db
def test_the_preview_query_count_does_not_grow_with_members():
    draft = draft_from_current()
    call_command("seed_members", with_memberships=True, count=1, seed=3, stdout=io.StringIO())
    few = _preview_queries(draft)
    call_command("seed_members", with_memberships=True, count=500, seed=4, stdout=io.StringIO())
    many = _preview_queries(draft)
    assert few == many
    assert many <= 12


@pytest.mark.django_db
def test_the_preview_page_reports_members_affected_by_a_lower_small_community_cap(
    staff_client,
):
    for salary in (150_000_00, 200_000_00):
        activate_membership(
            MemberFactory(
                annual_salary_cents=salary, population=4_000, general_fund_budget_cents=None
            )
        )
    activate_membership(
        MemberFactory(
            annual_salary_cents=200_000_00, population=4_000, general_fund_budget_cents=3_000_000_00
        )
    )
    draft = draft_from_current()
    staff_client.post(
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        edit_form_data(draft, discounts={0: {"replacement_cap": "800"}}),
    )
    page = staff_client.get(reverse("dues:staff_schedule_preview", args=[draft.pk]))
    html = page.content.decode()
    assert 'data-stat="less"><p class="stat-value">1<' in html
    assert 'data-stat="same"><p class="stat-value">2<' in html
    assert "<svg" in html
    assert "−$140.00" in html  # $940 → $800


@pytest.mark.django_db
def test_a_flat_rate_increase_is_previewed_as_paying_more(staff_client):
    activate_membership(MemberFactory(position=Position.STUDENT, annual_salary_cents=None))
    draft = draft_from_current()
    index = rate_index(draft, "student")
    staff_client.post(
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        edit_form_data(draft, rates={index: {"amount": "30"}}),
    )
    preview = dues_impact_preview(schedule=draft)
    assert preview.members_more == 1
    assert preview.total_change_cents == 5_00


@pytest.mark.django_db
def test_largest_changes_link_to_the_staff_member_file(staff_client):
    changed = MemberFactory(
        annual_salary_cents=200_000_00, population=4_000, general_fund_budget_cents=3_000_000_00
    )
    activate_membership(changed)
    draft = draft_from_current()
    staff_client.post(
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        edit_form_data(draft, discounts={0: {"replacement_cap": "800"}}),
    )
    page = staff_client.get(reverse("dues:staff_schedule_preview", args=[draft.pk])).content
    number = changed.member_number
    staff_file = reverse("billing_staff:member_detail", args=[number])
    public_page = reverse("membership:member_detail", args=[number])
    assert f'href="{staff_file}"'.encode() in page
    assert f'href="{public_page}"'.encode() not in page
