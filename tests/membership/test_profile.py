import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Avery Example",
    "position": "acao",
    "job_title": "Assistant City Manager",
    "employer": "Town of Fairview",
    "country": "US",
    "state_province": "NC",
    "population": "5000",
    "general_fund_budget": "5,000,000",
    "annual_salary": "$120,000.50",
}


def test_member_number_is_stable_and_readable(member):
    assert member.member_number == f"M-{member.pk:06d}"


def test_member_saves_own_profile_in_cents(member_client, member):
    response = member_client.post(reverse("membership:profile"), VALID)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.full_name == "Avery Example"
    assert member.position == "acao"
    assert member.population == 5000
    assert member.general_fund_budget_cents == 5_000_000_00
    assert member.annual_salary_cents == 120_000_50


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("annual_salary", "-5", "cannot be negative"),
        ("annual_salary", "10000000.01", "check for an extra digit"),
        ("annual_salary", "lots", "Enter an amount in US dollars"),
        ("annual_salary", "12.345", "two digits for cents"),
        ("general_fund_budget", "-1", "cannot be negative"),
        ("population", "50000001", "over 50,000,000"),
        ("population", "-3", "cannot be negative"),
        ("population", "7.5k", "whole number"),
        ("position", "mayor", "Select a valid choice"),
    ],
)
def test_bad_profile_values_are_refused_and_kept(member_client, member, field, value, message):
    before = member.annual_salary_cents
    response = member_client.post(reverse("membership:profile"), {**VALID, field: value})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    # What the person typed is shown again, and nothing was saved.
    assert f'value="{VALID["full_name"]}"' in body
    member.refresh_from_db()
    assert member.annual_salary_cents == before
    assert member.full_name != "Avery Example"


def test_another_members_page_is_404(member_client):
    other = MemberFactory()
    url = reverse("membership:member_detail", args=[other.member_number])
    assert member_client.get(url).status_code == 404


def test_member_sees_own_page_with_salary(member_client, member):
    response = member_client.get(reverse("membership:member_detail", args=[member.member_number]))
    assert response.status_code == 200
    assert "$150,000.00" in response.content.decode()


def test_membership_staff_see_any_member(staff_client):
    other = MemberFactory(annual_salary_cents=99_000_00)
    url = reverse("membership:member_detail", args=[other.member_number])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "$99,000.00" in response.content.decode()


@pytest.mark.parametrize("url_name", ["membership:profile"])
def test_anonymous_visitors_are_sent_to_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_member_page_sends_to_log_in(client, member):
    response = client.get(reverse("membership:member_detail", args=[member.member_number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


text = st.text(max_size=40)
form_values = st.one_of(
    text,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "1e400", "NaN", "-0", "1,2,3", "$", "９９", "\x00", "0x10"]),
)
PROFILE_KEYS = [*VALID.keys()]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(PROFILE_KEYS), form_values))
def test_random_profile_posts_never_500(member_client, data):
    response = member_client.post(reverse("membership:profile"), data)
    assert response.status_code in (200, 302)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from([*PROFILE_KEYS, "email", "password1", "password2"]), form_values
    )
)
def test_random_signup_posts_never_500(client, data):
    response = client.post(reverse("account_signup"), data)
    assert response.status_code in (200, 302)


def test_signup_refuses_absurd_salary_and_keeps_input(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
            "full_name": "New Person",
            "position": "cao",
            "country": "US",
            "annual_salary": "25000000",
            "population": "-10",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "check for an extra digit" in body
    assert "The population cannot be negative" in body
    assert 'value="New Person"' in body
    assert 'value="new@example.org"' in body
