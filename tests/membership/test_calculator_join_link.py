"""The calculator's "Join at this rate" carries the facts just quoted to the join page, which
starts from them; a visitor signs up first and is sent back there."""

from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FACTS = {
    "category": "full",
    "position": "cao",
    "salary": "150000",
    "population": "5000",
    "budget": "5000000",
}


def _join_href(page: str) -> str:
    marker = page.index("data-join-link")
    start = page.rindex('href="', 0, marker) + len('href="')
    return page[start : page.index('"', start)].replace("&amp;", "&")


def test_a_signed_in_member_goes_to_the_join_page_with_the_facts(member_client):
    page = member_client.get(reverse("dues:calculator"), FACTS).content.decode()
    href = urlparse(_join_href(page))
    assert href.path == reverse("billing:join")
    assert {k: v[0] for k, v in parse_qs(href.query).items()} == FACTS


def test_a_visitor_signs_up_first_and_comes_back_to_the_join_page(client):
    page = client.get(reverse("dues:calculator"), FACTS).content.decode()
    href = urlparse(_join_href(page))
    assert href.path == reverse("account_signup")
    back = urlparse(unquote(parse_qs(href.query)["next"][0]))
    assert back.path == reverse("billing:join")
    assert parse_qs(back.query)["salary"] == ["150000"]


def test_the_join_page_starts_from_the_linked_facts(member_client):
    page = member_client.get(reverse("billing:join"), FACTS).content.decode()
    assert 'name="annual_salary" value="150000' in page or 'value="150,000' in page
    assert 'name="population" value="5000"' in page
    assert 'value="cao" selected' in page or '<option value="cao" selected>' in page


def test_facts_that_do_not_parse_are_left_out_not_an_error(member_client):
    response = member_client.get(reverse("billing:join"), {"salary": "lots", "category": "x"})
    assert response.status_code == 200
    assert 'value="lots"' not in response.content.decode()
