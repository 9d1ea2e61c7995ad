import pytest


@pytest.fixture
def intl_client(client, international_staff):
    client.force_login(international_staff)
    return client


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test gets its own private media folder, so CV files never leak between tests."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def member(db):
    """Only members in good standing may join the pool: this one has a paid term."""
    from tests.factories import MemberFactory, activate_membership

    return activate_membership(MemberFactory())
