"""GET /api/dues/quote: DUES.md's worked examples, and a 400 for every malformed query."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

URL = "/api/dues/quote"


def get(client, **params):
    return client.get(URL, params)


def test_cao_150k_is_975(client):
    response = get(client, category="full", position="cao", salary="150000", population="250000")
    assert response.status_code == 200
    body = response.json()
    assert body["total_cents"] == 975_00
    assert body["lines"] == [{"label": "0.65% of $150,000.00 salary", "amount_cents": 975_00}]


def test_cao_220k_is_capped_at_1200(client):
    body = get(client, category="full", position="cao", salary="220,000").json()
    assert body["total_cents"] == 1_200_00
    assert body["lines"][-1] == {"label": "Capped at $1,200.00", "amount_cents": -230_00}


def test_small_community_acao_120k_is_624(client):
    body = get(
        client,
        category="full",
        position="acao",
        salary="120000",
        population="5000",
        budget="5000000",
    ).json()
    assert body["total_cents"] == 624_00
    assert body["lines"][1]["amount_cents"] == -156_00
    assert body["lines"][1]["label"].startswith("Small community discount (population ≤ 7,500")


def test_small_community_boundary_is_inclusive(client):
    body = get(
        client,
        category="full",
        position="cao",
        salary="100000",
        population="7500",
        budget="7800000.00",
    ).json()
    assert body["total_cents"] == 520_00


def test_answer_names_the_schedule_and_currency(client):
    body = get(client, category="student", position="student").json()
    assert body["currency"] == "usd"
    assert body["schedule"] == {"name": "ICMA dues from July 2026", "effective_from": "2026-07-01"}
    assert body["total_cents"] == 25_00


def test_on_selects_the_schedule_in_effect_that_day(client):
    before = (timezone.localdate() - timedelta(days=3650)).isoformat()
    response = get(client, category="student", position="student", on=before)
    assert response.status_code == 400
    assert "No dues schedule is in effect" in response.json()["errors"]["on"][0]


MALFORMED = [
    ({"category": "full", "position": "cao", "salary": "lots"}, "salary"),
    ({"category": "full", "position": "cao", "salary": "-5"}, "salary"),
    ({"category": "full", "position": "cao", "salary": "1e400"}, "salary"),
    ({"category": "full", "position": "cao", "salary": "NaN"}, "salary"),
    ({"category": "full", "position": "cao", "salary": "1.005"}, "salary"),
    ({"category": "full", "position": "cao", "salary": "9" * 40}, "salary"),
    ({"category": "full", "position": "cao", "salary": "1", "population": "many"}, "population"),
    ({"category": "full", "position": "cao", "salary": "1", "population": "-1"}, "population"),
    (
        {"category": "full", "position": "cao", "salary": "1", "population": "9" * 5000},
        "population",
    ),
    ({"category": "full", "position": "cao", "salary": "1", "budget": "-0.01"}, "budget"),
    ({"category": "full", "position": "cao", "salary": "1", "on": "2026-02-30"}, "on"),
    ({"category": "full", "position": "cao", "salary": "1", "on": "tomorrow"}, "on"),
    ({"category": "gold", "position": "cao"}, "category"),
    ({"category": "full", "position": "mayor", "salary": "1"}, "position"),
    ({"category": "life", "position": "cao"}, "category"),
    ({"category": "student", "position": "cao"}, "position"),
    ({"category": "full", "position": "cao"}, "salary"),
    ({"position": "cao"}, "category"),
    ({"category": "full"}, "position"),
    ({"category": "full\x00", "position": "cao"}, "category"),
]


@pytest.mark.parametrize(("params", "field"), MALFORMED)
def test_malformed_queries_get_a_400_with_field_messages(client, params, field):
    response = get(client, **params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[field]
    assert all(isinstance(m, str) and m for m in errors[field])


def test_post_is_not_allowed(client):
    assert client.post(URL, {"category": "full"}).status_code == 405


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
numberish = st.one_of(
    text,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
)
query = st.fixed_dictionaries(
    {},
    optional={
        "category": st.one_of(text, st.sampled_from(["full", "affiliate", "life", "student"])),
        "position": st.one_of(text, st.sampled_from(["cao", "acao", "student", "faculty"])),
        "salary": numberish,
        "population": numberish,
        "budget": numberish,
        "on": st.one_of(text, st.dates().map(str)),
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=query)
def test_no_query_string_gives_a_500(client, params):
    response = client.get(URL, params)
    assert response.status_code in (200, 400)
    body = response.json()
    assert ("total_cents" in body) == (response.status_code == 200)
    if response.status_code == 400:
        assert body["errors"]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_no_raw_query_string_gives_a_500(client, raw):
    from urllib.parse import quote_from_bytes

    # Keep the separators so the bytes form several fields, each value percent-encoded.
    query = "&".join(quote_from_bytes(part, safe="=") for part in raw.split(b"&"))
    response = client.get(f"{URL}?category=full&{query}")
    assert response.status_code in (200, 400)
