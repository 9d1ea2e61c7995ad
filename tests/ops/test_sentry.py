import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from ops.sentry import scrub_event, sentry_active, sentry_init


class RecordingTransport(Transport):
    def __init__(self):
        super().__init__()
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


@pytest.fixture
def sentry_reset():
    yield
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close()
    sentry_sdk.get_global_scope().set_client(None)
    sentry_sdk.get_isolation_scope().set_client(None)
    sentry_sdk.get_current_scope().set_client(None)


def test_without_a_dsn_sentry_is_not_started(sentry_reset, settings):
    assert settings.SENTRY_DSN == ""
    assert sentry_active() is False  # the app did not start it
    assert sentry_init("") is False
    assert sentry_active() is False


def test_with_a_dsn_sentry_starts_without_personal_data(sentry_reset):
    transport = RecordingTransport()
    assert sentry_init("https://public@sentry.example.invalid/1", transport=transport) is True
    assert sentry_active() is True
    options = sentry_sdk.get_client().options
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    assert options["include_local_variables"] is False
    integrations = sentry_sdk.get_client().integrations
    assert "django" in integrations and "celery" in integrations

    sentry_sdk.capture_message("readiness probe test")
    sentry_sdk.flush()
    assert transport.envelopes
    event = transport.envelopes[0].get_event()
    assert event["message"] == "readiness probe test"
    assert "user" not in event


def test_reports_lose_bodies_cookies_query_strings_and_users():
    event = {
        "request": {
            "url": "https://members.icma.org/api/dues/quote?salary=98765",
            "query_string": "salary=98765",
            "data": {"salary": "98765"},
            "cookies": {"sessionid": "x"},
            "headers": {"Cookie": "sessionid=x", "User-Agent": "probe"},
        },
        "user": {"email": "someone@example.org"},
    }
    scrubbed = scrub_event(event)
    assert "98765" not in str(scrubbed)
    assert "someone@example.org" not in str(scrubbed)
    assert "sessionid" not in str(scrubbed)
    assert scrubbed["request"]["url"] == "https://members.icma.org/api/dues/quote"
    assert scrubbed["request"]["headers"] == {"User-Agent": "probe"}
