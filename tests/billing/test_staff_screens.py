"""Member search of the membership staff screens (the export: test_member_exports.py)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from membership.models import Membership, Status
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

LIST = reverse("billing_staff:member_list")


def numbers_found(response) -> list[str]:
    """Member numbers on a result page, in order."""
    return [m.member_number for m in response.context["page"].object_list]


@pytest.fixture
def people():
    """An active full member, a pending one, an affiliate, and one who never joined."""
    active = MemberFactory(
        full_name="Avery Quill", employer="City of Larkspur", user__email="aquill@larkspur.gov"
    )
    pay_invoice(issue_invoice(active))
    pending = MemberFactory(full_name="Dana Pending", employer="Town of Wren")
    issue_invoice(pending)
    affiliate = MemberFactory(full_name="Lee Affiliate", position="department_head")
    pay_invoice(issue_invoice(affiliate, category="affiliate"))
    never = MemberFactory(full_name="Sam Nojoin", employer="County of Heron")
    return {"active": active, "pending": pending, "affiliate": affiliate, "never": never}


def test_search_by_part_of_the_name(staff_client, people):
    response = staff_client.get(LIST, {"q": "quil"})
    assert numbers_found(response) == [people["active"].member_number]


def test_search_by_email(staff_client, people):
    response = staff_client.get(LIST, {"q": "AQUILL@larkspur"})
    assert numbers_found(response) == [people["active"].member_number]


def test_search_by_employer(staff_client, people):
    response = staff_client.get(LIST, {"q": "heron"})
    assert numbers_found(response) == [people["never"].member_number]


@pytest.mark.parametrize("form", ["M-{pk:06d}", "m{pk}", "{pk}"])
def test_search_by_member_number_in_any_usual_form(staff_client, people, form):
    wanted = people["pending"]
    response = staff_client.get(LIST, {"q": form.format(pk=wanted.pk)})
    assert wanted.member_number in numbers_found(response)
    assert people["active"].member_number not in numbers_found(response)


def test_filter_by_status(staff_client, people):
    response = staff_client.get(LIST, {"status": Status.PENDING})
    assert numbers_found(response) == [people["pending"].member_number]


def test_filter_members_who_never_joined(staff_client, people, membership_staff):
    response = staff_client.get(LIST, {"status": Status.NONE})
    found = numbers_found(response)
    assert people["never"].member_number in found
    assert people["active"].member_number not in found


def test_filter_by_category(staff_client, people):
    response = staff_client.get(LIST, {"category": "affiliate"})
    assert numbers_found(response) == [people["affiliate"].member_number]


def test_status_filter_follows_the_dates_before_the_daily_job_runs(client, membership_staff):
    member = MemberFactory(full_name="Grace Waiting")
    with time_machine.travel(dt.datetime(2026, 7, 10, 15, tzinfo=dt.UTC)):
        pay_invoice(issue_invoice(member, on=dt.date(2026, 7, 10)), on=dt.date(2026, 7, 10))
    with time_machine.travel(dt.datetime(2027, 8, 1, 15, tzinfo=dt.UTC)):
        assert Membership.objects.get(member=member).status == Status.ACTIVE  # stored, stale
        client.force_login(membership_staff)
        grace = client.get(LIST, {"status": Status.GRACE})
        active = client.get(LIST, {"status": Status.ACTIVE})
    assert numbers_found(grace) == [member.member_number]
    assert numbers_found(active) == []


def test_rows_show_number_name_email_employer_category_status_and_paid_through(
    staff_client, people
):
    body = staff_client.get(LIST, {"q": "Avery"}).content.decode()
    membership = Membership.objects.get(member=people["active"])
    for text in [
        people["active"].member_number,
        "Avery Quill",
        "aquill@larkspur.gov",
        "City of Larkspur",
        "Full member",
        '<span class="badge badge-ok">Active</span>',
        membership.paid_through_on.strftime("%B %-d, %Y"),
    ]:
        assert text in body


def test_no_match_shows_what_to_try_next(staff_client, people):
    response = staff_client.get(LIST, {"q": "zzz-nobody"})
    body = response.content.decode()
    assert "No members match this search" in body
    assert "Clear search" in body


def test_results_are_paginated_fifty_a_page(staff_client):
    call_command("seed_members", count=120, seed=3, stdout=io.StringIO())
    first = staff_client.get(LIST)
    third = staff_client.get(LIST, {"page": 3})
    assert len(numbers_found(first)) == 50
    assert len(numbers_found(third)) == 120 + 1 - 100  # the staff user's own member row
    assert "Page 1 of 3" in first.content.decode()


def test_page_links_keep_the_search(staff_client):
    call_command("seed_members", count=60, seed=3, stdout=io.StringIO())
    body = staff_client.get(LIST, {"status": "none"}).content.decode()
    assert "?status=none&amp;page=2" in body


@pytest.fixture(params=[0, 10_000], ids=["5-members", "10005-members"])
def crowd(request, people):
    """How many members were seeded on top of the five of `people` (staff included)."""
    if request.param:
        call_command(
            "seed_members",
            count=request.param,
            seed=7,
            with_memberships=True,
            stdout=io.StringIO(),
        )
    return request.param


SEARCH_BUDGET = 10


def test_search_page_query_budget(staff_client, crowd, django_assert_max_num_queries):
    with django_assert_max_num_queries(SEARCH_BUDGET):
        response = staff_client.get(LIST)
    assert len(numbers_found(response)) == min(50, crowd + 5)
