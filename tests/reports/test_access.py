"""Who may open each new page: anonymous visitors sign in; members get 403; membership staff
see the membership and revenue pages; international programs staff the expert pool figures."""

import pytest
from django.urls import reverse

from tests.factories import staff_user

pytestmark = pytest.mark.django_db

MEMBERSHIP_PAGES = [
    "reports:membership",
    "reports:revenue",
    "reports:aging",
    "reports:waivers",
    "reports:forecast",
    "reports:renewals_due",
]
EXPERT_PAGES = ["reports:experts"]
EVERY_PAGE = ["reports:staff_home", *MEMBERSHIP_PAGES, *EXPERT_PAGES]


@pytest.fixture
def as_role(client, member):
    def login(role):
        if role == "member":
            client.force_login(member.user)
        elif role == "membership":
            client.force_login(staff_user(groups=["Membership staff"]))
        elif role == "international":
            client.force_login(staff_user(groups=["International programs staff"]))
        return client

    return login


def _allowed(role, name):
    if name == "reports:staff_home":
        return role in ("membership", "international")
    if name in MEMBERSHIP_PAGES:
        return role == "membership"
    return role == "international"


@pytest.mark.parametrize("name", EVERY_PAGE)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["member", "membership", "international"])
@pytest.mark.parametrize("name", EVERY_PAGE)
def test_each_role_sees_only_its_pages(as_role, role, name):
    client = as_role(role)
    for query in ("", "?format=csv"):
        response = client.get(reverse(name) + query)
        assert response.status_code == (200 if _allowed(role, name) else 403), (role, name, query)


def test_staff_home_shows_each_group_its_own_work(as_role):
    html = as_role("international").get(reverse("reports:staff_home")).content.decode()
    assert "expert invitations without an answer" in html
    assert "waiver requests to decide" not in html
    html = as_role("membership").get(reverse("reports:staff_home")).content.decode()
    assert "waiver requests to decide" in html
    assert "expert invitations without an answer" not in html


def test_staff_without_two_factor_are_sent_to_set_it_up(client):
    client.force_login(staff_user(groups=["Membership staff"], with_totp=False))
    assert client.get(reverse("reports:revenue"))["Location"] == reverse("mfa_activate_totp")
