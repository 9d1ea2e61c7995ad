"""Signals other apps listen to. Membership sends them; it never imports its listeners.

- `membership_lapsed(sender=Member, member=..., on=date)`: the member's membership has lapsed
  (or was cancelled/refunded) and they are no longer in good standing.
- `membership_reinstated(sender=Member, member=..., on=date)`: the member is back in good
  standing (a renewal or reinstatement payment).

Both are sent after the change has been committed (through `transaction.on_commit`).

- `memberships_lapsed(sender=Member, member_ids=QuerySet, on=date)`: the daily job has just
  lapsed these members' memberships, as many as a day or a backlog of days brings.
  `member_ids` is a lazy one-column queryset (use it as `member_id__in=member_ids`): a
  receiver acts on all of them in a statement or a few (a subquery, chunks), never one query
  per member. It is sent inside the job's transaction, so what a receiver
  writes commits with the lapses; a receiver does its work in `transaction.atomic()` (a
  savepoint there), so that one that fails is rolled back alone, logged, and the lapses stand.
"""

import logging

from django.db import DatabaseError, transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

membership_lapsed = Signal()
membership_reinstated = Signal()
memberships_lapsed = Signal()

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


def send_in_transaction(signal: Signal, **kwargs) -> None:
    """Send `signal` now, inside the caller's transaction. A receiver that fails is logged and
    does not undo the caller's change: each keeps its writes in a savepoint of its own, and
    all of them sit in one more, for a receiver that broke the transaction without one."""
    try:
        with transaction.atomic():
            _send_logged(signal, kwargs)
    except DatabaseError:
        logger.exception("Receivers of %r left the transaction broken; rolled back", signal)
