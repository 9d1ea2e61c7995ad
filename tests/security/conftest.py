import pytest


@pytest.fixture
def intl_client(client, international_staff):
    client.force_login(international_staff)
    return client


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture(autouse=True)
def _exceptions_as_500(client):
    """An exception in a view shows as the 500 a visitor would get, so tests assert on it."""
    client.raise_request_exception = False
    return client
