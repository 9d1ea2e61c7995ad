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
