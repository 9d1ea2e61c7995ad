"""Two gunicorn processes with production settings share one Redis (acceptance 4): a TOTP code
used on one is refused on the other, and failed sign-ins count towards one limit."""

import time

import pytest
from django.db import connection

from tests.stack.browser import Browser
from tests.stack.services import gunicorn, production_env

pytestmark = [pytest.mark.stack, pytest.mark.redis, pytest.mark.postgres]

PASSWORD = "Staff-sign-in-2026!"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LOGIN = "/accounts/login/"
TWO_FACTOR = "/accounts/2fa/authenticate/"
SIGNED_IN_ONLY = "/accounts/2fa/"
# allauth's ACCOUNT_LOGIN_ATTEMPTS_LIMIT, which production keeps (the suite switches limits off).
FAILED_SIGN_IN_LIMIT = 5


def database_url() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("Separate processes need a PostgreSQL test database to share")
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture
def web_processes(transactional_db, redis_url, static_manifest, tmp_path):
    """Two separate gunicorn processes (one sync worker each) on the test database."""
    env = production_env(DATABASE_URL=database_url(), REDIS_URL=redis_url)
    processes = [gunicorn(env=env, log_dir=tmp_path, name=f"web{n}") for n in (1, 2)]
    try:
        for process in processes:
            process.start(timeout=60)
        yield processes
    finally:
        for process in processes:
            process.stop()


def user_with_password(*, email: str, is_staff: bool = False):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.factories import UserFactory

    user = UserFactory(email=email, is_staff=is_staff)
    # The processes use production's hashers, not the suite's fast MD5 one.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "stacktestsalt")
    user.save(update_fields=["password"])
    return user


def current_code() -> tuple[int, str]:
    """The TOTP counter and code now, computed with allauth's own helpers; waits for a fresh
    period so that both sign-ins fall in the same one."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    while period - time.time() % period < 12:
        time.sleep(0.5)
    counter = int(time.time()) // period
    return counter, format_hotp_value(hotp_value(TOTP_SECRET, counter))


def sign_in_with_code(port: int, *, email: str, code: str):
    browser = Browser(port)
    answer = browser.submit(LOGIN, {"login": email, "password": PASSWORD})
    assert (answer.status, answer.location) == (302, TWO_FACTOR), answer.text[:2000]
    return browser, browser.submit(TWO_FACTOR, {"code": code})


def test_a_totp_code_used_on_one_process_is_refused_on_the_other(web_processes):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    staff = user_with_password(email="staff.totp@example.org", is_staff=True)
    TOTP.activate(staff, TOTP_SECRET)
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    web1, web2 = web_processes
    counter, code = current_code()

    first_browser, first = sign_in_with_code(web1.port, email=staff.email, code=code)
    assert first.status == 302, first.text[:2000]
    assert first.location == "/"
    assert first_browser.get(SIGNED_IN_ONLY).status == 200

    second_browser, second = sign_in_with_code(web2.port, email=staff.email, code=code)
    assert counter == int(time.time()) // 30, "the TOTP period ended between the two sign-ins"
    assert second.status == 200, "process 2 accepted a code already used on process 1"
    assert "Incorrect code" in second.text
    assert second_browser.get(SIGNED_IN_ONLY).status == 302  # still not signed in


def test_failed_sign_ins_alternated_between_processes_share_one_limit(web_processes):
    user = user_with_password(email="member.limits@example.org")
    limit = FAILED_SIGN_IN_LIMIT
    answers = []
    for attempt in range(limit + 1):
        process = web_processes[attempt % 2]
        answer = Browser(process.port).submit(
            LOGIN, {"login": user.email, "password": "not-the-password"}
        )
        answers.append((answer.status, "Too many failed login attempts" in answer.text))

    assert answers[:limit] == [(200, False)] * limit
    status, limited = answers[limit]
    assert status == 429 or limited, (
        f"failure {limit + 1} was not rate-limited although only {limit} are allowed: each "
        "process counts failures on its own"
    )
