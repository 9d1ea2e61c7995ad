"""Authenticator codes for tests that sign in through the real two-factor step."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

# A code typed in the last seconds of its period reaches the server in the next one, where
# a zero tolerance refuses it. Waiting this long for a fresh period costs at most a few
# seconds and takes the boundary out of every browser sign-in.
MARGIN_SECONDS = 6


def fresh_totp_code(secret: str, margin: float = MARGIN_SECONDS) -> str:
    """The code for `secret` now, once at least `margin` seconds of its period remain."""
    period = app_settings.TOTP_PERIOD
    while period - time.time() % period < margin:
        time.sleep(0.25)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))
