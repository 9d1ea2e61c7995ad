"""Signing up with an address that already has an account must take as long as with a new one:
the pages are the same, and the time must not tell registered addresses apart either."""

import statistics
import time

import pytest
from django.conf import global_settings
from django.urls import reverse

from config.settings import base as base_settings
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TRIES = 10


def signup_data(email: str) -> dict:
    return {
        "email": email,
        "password1": "a-long-passphrase-2026",
        "password2": "a-long-passphrase-2026",
        "full_name": "Sam Timing",
        "position": "cao",
        "country": "US",
    }


def timed_signup(client, email: str) -> tuple[float, object]:
    client.logout()
    started = time.perf_counter()
    response = client.post(reverse("account_signup"), signup_data(email))
    return time.perf_counter() - started, response


def test_signup_takes_as_long_for_a_registered_address_as_for_a_new_one(client, settings):
    # Production's password hashers (the test settings use a fast one).
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    # Production's floor under a valid sign-up (the test settings turn it off for speed).
    settings.SIGNUP_MIN_SECONDS = base_settings.SIGNUP_MIN_SECONDS
    registered = MemberFactory().user.email
    # One untimed try of each warms caches (templates, hashers, the first queries).
    timed_signup(client, "warm-up@example.org")
    timed_signup(client, registered)

    new_times, registered_times = [], []
    # Interleaved, so a burst of load on a busy machine hits both kinds alike.
    for n in range(TRIES):
        seconds, new_response = timed_signup(client, f"new-{n}@example.org")
        new_times.append(seconds)
        seconds, registered_response = timed_signup(client, registered)
        registered_times.append(seconds)
        assert new_response.status_code == registered_response.status_code == 302
        assert new_response.url == registered_response.url

    ratio = statistics.median(registered_times) / statistics.median(new_times)
    measured = (
        f"signup median: new {statistics.median(new_times) * 1000:.0f} ms, "
        f"registered {statistics.median(registered_times) * 1000:.0f} ms, ratio {ratio:.2f}; "
        f"new {[round(t * 1000) for t in new_times]}, "
        f"registered {[round(t * 1000) for t in registered_times]}"
    )
    print(measured)
    assert 0.8 <= ratio <= 1.25, measured
