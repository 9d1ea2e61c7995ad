"""Signals other apps may listen to; communications never imports its listeners.

- `message_sent(sender=OutgoingMessage, message=...)`: the SMTP server accepted the message.
  Sent inside the transaction that marks the row sent.
"""

from django.dispatch import Signal

message_sent = Signal()
