class PaymentError(Exception):
    """A payment could not be made or recorded; the message says what to do next."""


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

    def execute_refund(self, *, payment, amount_cents: int, reason: str) -> dict:
        raise PaymentError(f"Refunds through {self.verbose_name} are made by hand.")
