from tests.billing.stripe_support import fake_stripe, stripe_keys  # noqa: F401
