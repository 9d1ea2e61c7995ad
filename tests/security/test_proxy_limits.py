"""Sign-in rate limits behind the load balancer (acceptance 3).

Every request reaches the web nodes from the load balancer's address; the balancer appends the
client's address to X-Forwarded-For. The limits must count per client, and per account."""

import os
import runpy
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

LOAD_BALANCER = "10.0.0.2"
ATTACKER = "198.51.100.7"
MEMBER = "203.0.113.9"
TOO_MANY = "Too many failed login attempts"


def production_namespace() -> dict:
    """The production settings module as it reads the environment the README prescribes."""
    env = {
        "DJANGO_SECRET_KEY": "x" * 50,
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "ALLAUTH_TRUSTED_PROXY_COUNT": "1",
    }
    with mock.patch.dict(os.environ, env):
        return runpy.run_module("config.settings.production")


@pytest.fixture(autouse=True)
def production_rate_limits(settings):
    """Production's rate limits and proxy settings (test settings switch the limits off)."""
    production = production_namespace()
    settings.ACCOUNT_RATE_LIMITS = production.get("ACCOUNT_RATE_LIMITS", {})
    for name in ("ALLAUTH_TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER"):
        if name in production:
            setattr(settings, name, production[name])
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email: str, password: str, *, forwarded_for: str):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=LOAD_BALANCER,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == reverse("home")


def test_one_clients_failed_logins_do_not_stop_another_clients_login(client):
    member = MemberFactory()
    for n in range(12):
        response = sign_in(client, f"guess{n}@example.org", "wrong", forwarded_for=ATTACKER)
        assert response.status_code == 200
    # The attacker's own address is now held back by the per-address limit...
    blocked = sign_in(client, member.user.email, PASSWORD, forwarded_for=ATTACKER)
    assert not signed_in(blocked)
    assert TOO_MANY in blocked.content.decode()
    # ...but a member coming through the same load balancer signs in.
    assert signed_in(sign_in(client, member.user.email, PASSWORD, forwarded_for=MEMBER))


def test_a_client_cannot_dodge_the_address_limit_by_sending_its_own_forwarded_for(client):
    """The balancer appends the real address; only that last entry is trusted."""
    member = MemberFactory()
    for n in range(12):
        sign_in(client, f"guess{n}@example.org", "wrong", forwarded_for=f"192.0.2.{n}, {ATTACKER}")
    blocked = sign_in(client, member.user.email, PASSWORD, forwarded_for=f"192.0.2.200, {ATTACKER}")
    assert not signed_in(blocked)
    assert TOO_MANY in blocked.content.decode()


def test_the_per_account_limit_stops_an_attacker_rotating_addresses(client):
    member = MemberFactory()
    for n in range(5):
        sign_in(client, member.user.email, "wrong", forwarded_for=f"198.51.100.{10 + n}")
    # Even the right password from yet another address is refused for now.
    response = sign_in(client, member.user.email, PASSWORD, forwarded_for="198.51.100.99")
    assert not signed_in(response)
    assert TOO_MANY in response.content.decode()


def test_the_per_account_limit_leaves_other_accounts_alone(client):
    target, other = MemberFactory(), MemberFactory()
    for n in range(5):
        sign_in(client, target.user.email, "wrong", forwarded_for=f"198.51.100.{10 + n}")
    assert signed_in(sign_in(client, other.user.email, PASSWORD, forwarded_for=MEMBER))
