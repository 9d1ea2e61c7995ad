import pytest  # noqa: E402
from django.core.cache import cache  # noqa: E402

from tests.billing.stripe_support import (  # noqa: F401
    deliver,
    fake_stripe,
    flaky_stripe,
    localstripe,
    localstripe_server,
    stripe_keys,
)


@pytest.fixture(autouse=True)
def _stripe_doorbell_reset():
    """The webhook's doorbell lives in the cache (local memory in tests): start each test with
    it not rung, as a fresh deployment would."""
    from billing.services.stripe_events import DOORBELL_KEY

    cache.delete(DOORBELL_KEY)
    yield
    cache.delete(DOORBELL_KEY)
