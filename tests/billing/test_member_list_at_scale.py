"""The staff member list with 1 and 10,000 members: a fixed query budget, a count capped at
1,000 ("more than 1,000"), and the order of each kind of page."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from membership.models import Member

pytestmark = pytest.mark.django_db

LIST = reverse("billing_staff:member_list")


def crowd(count: int) -> list[Member]:
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"crowd-{n}", email=f"crowd-{n}@example.org")
        for n in range(count)
    )
    # Names run backwards to the member numbers, so the two orders differ.
    return Member.objects.bulk_create(
        Member(user=user, full_name=f"Crowd Person {count - n:05d}", employer="City of Crowd")
        for n, user in enumerate(users)
    )


@pytest.mark.parametrize("members", [1, 10_000])
@pytest.mark.parametrize("query", ["", "crowd", "Crowd Person 00001", "M-000001"])
def test_member_list_budget(staff_client, members, query, django_assert_max_num_queries):
    crowd(members)
    with django_assert_max_num_queries(10):
        response = staff_client.get(LIST, {"q": query} if query else {})
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["", "crowd"])
def test_more_than_a_thousand_is_said_so(staff_client, query):
    crowd(10_000)
    response = staff_client.get(LIST, {"q": query} if query else {})
    html = response.content.decode()
    paginator = response.context["page"].paginator
    assert paginator.more_than_cap and paginator.count == 1000
    assert 'data-more-than="1000"' in html
    assert "More than 1,000 members found" in html
    assert "Export all these members (CSV)" in html
    assert "10,000" not in html and "10000 members" not in html
    assert paginator.num_pages == 20


def test_a_broad_text_search_pages_by_member_number(staff_client):
    people = crowd(10_000)
    response = staff_client.get(LIST, {"q": "crowd", "page": "2"})
    shown = [m.pk for m in response.context["page"].object_list]
    assert shown == [m.pk for m in people[50:100]]
    assert "by member number" in response.content.decode()


def test_the_list_without_a_search_stays_by_name(staff_client):
    people = crowd(10_000)
    response = staff_client.get(LIST)
    # The signed-in staff member's own account sorts first (no name); the rest is the crowd.
    shown = [m.full_name for m in response.context["page"].object_list if m.full_name]
    assert len(shown) >= 49
    assert shown == sorted(m.full_name for m in people)[: len(shown)]


def test_a_narrow_search_is_counted_exactly_and_listed_by_name(staff_client):
    crowd(10_000)
    response = staff_client.get(LIST, {"q": "Crowd Person 001"})  # 00100 to 00199
    html = response.content.decode()
    paginator = response.context["page"].paginator
    names = [m.full_name for m in response.context["page"].object_list]
    expected = sorted(f"Crowd Person {n:05d}" for n in range(100, 200))
    assert not paginator.more_than_cap
    assert paginator.count == len(expected)
    assert f"{len(expected)} members found" in html
    assert names == expected[:50]
