from tests.billing.stripe_support import (  # noqa: F401
    deliver,
    fake_stripe,
    flaky_stripe,
    localstripe,
    localstripe_server,
    stripe_keys,
)
