"""The public calculator at /dues/: worked examples through the page, without JavaScript."""

import re

import pytest

pytestmark = pytest.mark.django_db

URL = "/dues/"


def text(response) -> str:
    """The page's visible text with tags removed and whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_anonymous_visitors_see_the_form_and_the_rate_table(client):
    response = client.get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "0.65% of salary, at most $1,200.00" in page
    assert "$200.00 a year" in page
    assert "Small community discount : 20% off, cap lowered to $940.00" in page


def test_life_membership_is_not_offered_in_the_form(client):
    html = client.get(URL).content.decode()
    assert 'value="full"' in html
    assert 'value="life"' not in html


def test_the_form_labels_are_tied_to_inputs(client):
    html = client.get(URL).content.decode()
    for name in ("category", "position", "salary", "population", "budget"):
        assert f'for="id_{name}"' in html
        assert f'id="id_{name}"' in html


def test_cao_150k_posts_to_975(client):
    response = client.post(
        URL, {"category": "full", "position": "cao", "salary": "150,000", "population": "250000"}
    )
    page = text(response)
    assert "Annual dues $975.00" in page
    assert "0.65% of $150,000.00 salary $975.00" in page


def test_cao_220k_posts_to_the_cap(client):
    page = text(client.post(URL, {"category": "full", "position": "cao", "salary": "220000"}))
    assert "Annual dues $1,200.00" in page
    assert "Capped at $1,200.00 −$230.00" in page


def test_small_community_acao_posts_to_624(client):
    response = client.post(
        URL,
        {
            "category": "full",
            "position": "acao",
            "salary": "120000",
            "population": "5000",
            "budget": "5,000,000",
        },
    )
    page = text(response)
    assert "Annual dues $624.00" in page
    assert (
        "Small community discount (population ≤ 7,500 and budget ≤ $7,800,000): −20% −$156.00"
        in page
    )


def test_a_shared_get_link_quotes_too(client):
    page = text(client.get(URL, {"category": "student", "position": "student"}))
    assert "Annual dues $25.00" in page


def test_a_refusal_is_shown_next_to_the_field(client):
    response = client.post(URL, {"category": "full", "position": "cao"})
    html = response.content.decode()
    assert "Enter your annual salary: Full member dues are 0.65% of salary." in html
    assert "field-invalid" in html
    assert "Annual dues" not in text(response)


def test_a_position_that_does_not_fit_the_category_is_explained(client):
    response = client.post(URL, {"category": "student", "position": "cao"})
    assert "Student member is for: Student." in text(response)


def test_the_page_loads_its_script_for_live_updates(client):
    html = client.get(URL).content.decode()
    assert "js/dues-calculator.js" in html
    assert 'data-quote-url="/api/dues/quote"' in html


def test_the_calculator_has_a_fixed_query_budget(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.post(URL, {"category": "full", "position": "cao", "salary": "150000"})


def test_the_navigation_links_to_the_calculator(client):
    assert 'href="/dues/"' in client.get("/").content.decode()
