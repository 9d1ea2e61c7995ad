"""Signals other apps listen to. Membership sends them; it never imports its listeners.

- `membership_lapsed(sender=Member, member=..., on=date)`: the member's membership has lapsed
  (or was cancelled/refunded) and they are no longer in good standing.
- `membership_reinstated(sender=Member, member=..., on=date)`: the member is back in good
  standing (a renewal or reinstatement payment).

Both are sent after the change has been committed (through `transaction.on_commit`).
"""

from django.dispatch import Signal

membership_lapsed = Signal()
membership_reinstated = Signal()

# Sent by the daily job (`membership_daily`) with `on=date`; each receiver does its own share
# of the day's work and returns a dict of counts for the printed summary.
daily_work = Signal()

# Sent by `load_demo` with `member=` (the demo member) and `staff_user=`; other apps add their
# own demo rows (a paid membership, an expert profile). Receivers must be safe to run twice.
demo_loaded = Signal()
