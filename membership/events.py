"""Signals other apps listen to. Membership sends them; it never imports its listeners.

- `membership_lapsed(sender=Member, member=..., on=date)`: the member's membership has lapsed
  (or was cancelled/refunded) and they are no longer in good standing.
- `membership_reinstated(sender=Member, member=..., on=date)`: the member is back in good
  standing (a renewal or reinstatement payment).

Both are sent after the change has been committed (through `transaction.on_commit`).
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

membership_lapsed = Signal()
membership_reinstated = Signal()

# The daily job's parts, by name: each takes `on=date`, does its own share of the day's work in
# its own transactions and returns a dict of counts for the printed summary. Other apps add
# theirs with `daily_part_register` in their AppConfig.ready(); a part that fails does not stop
# the others (see membership.services.daily).
DAILY_PARTS: dict = {}


def daily_part_register(name: str, run) -> None:
    DAILY_PARTS[name] = run


# Sent by `load_demo` with `member=` (the demo member) and `staff_user=`; other apps add their
# own demo rows (a paid membership, an expert profile). Receivers must be safe to run twice.
demo_loaded = Signal()


def send_after_commit(signal: Signal, **kwargs) -> None:
    """Send `signal` once the transaction commits. One receiver that fails is logged and does
    not stop the others, nor turn a committed change into an error page."""
    transaction.on_commit(lambda: _send_logged(signal, kwargs), robust=True)


def _send_logged(signal: Signal, kwargs: dict) -> None:
    for receiver, result in signal.send_robust(**kwargs):
        if isinstance(result, Exception):
            logger.error(
                "Receiver %r failed after commit", receiver, exc_info=(type(result), result, None)
            )
