class PaymentError(Exception):
    """A payment could not be made or recorded; the message says what to do next.

    By default the gateway's answer was definite: nothing happened at the other end."""

    outcome_unknown = False
    code = ""


class PaymentOutcomeUnknown(PaymentError):
    """No definite answer (a timeout, a lost connection, a server error): the request may or
    may not have been carried out. The caller keeps its row as it was and tries again later
    with the same idempotency key; it never records this as a refusal."""

    outcome_unknown = True


class BasePaymentProvider:
    """What every way of paying offers. A provider never changes a membership itself: it
    reports money received to `billing.services.payments.payment_confirm`."""

    identifier: str = ""
    verbose_name: str = ""
    description: str = ""

    def is_enabled(self) -> bool:
        return True

    def disabled_reason(self) -> str:
        return ""

    def execute_payment(self, *, request, payment) -> str | None:
        """Start paying: return a URL to send the payer to, or None when nothing is to be done
        online (e.g. paying by cheque)."""
        raise NotImplementedError

    def execute_refund(self, refund) -> dict:
        """Give back `refund.amount_cents` of `refund.payment` and return what the gateway
        recorded (at least its `id` and `status`). Called outside any database transaction with
        a `Refund` row already committed; calling it again for the same row refunds once.
        Raises `PaymentError` for a refusal, `PaymentOutcomeUnknown` when there was no answer."""
        raise PaymentError(f"Refunds through {self.verbose_name} are made by hand.")
