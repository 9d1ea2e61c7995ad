import io

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

BUDGET = 10


@pytest.fixture(params=[1, 10_000], ids=["1-member", "10000-members"])
def population(request, member):
    if request.param > 1:
        call_command("seed_members", count=request.param - 1, seed=7, stdout=io.StringIO())
    return request.param


def test_home_page_query_budget(member_client, population, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        response = member_client.get(reverse("home"))
    assert response.status_code == 200
    assert "Welcome," in response.content.decode()


def test_profile_page_query_budget(member_client, population, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        response = member_client.get(reverse("membership:profile"))
    assert response.status_code == 200
    assert "Save profile" in response.content.decode()
