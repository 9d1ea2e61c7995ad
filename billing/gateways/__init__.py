"""Payment gateways behind one small interface. Views and services ask `enabled_providers()`."""

from billing.gateways.base import BasePaymentProvider, PaymentError, PaymentOutcomeUnknown
from billing.gateways.offline import OfflineProvider
from billing.gateways.stripe import StripeProvider


def all_providers() -> list[BasePaymentProvider]:
    providers: list[BasePaymentProvider] = [OfflineProvider(), StripeProvider()]
    return providers


def disabled_providers() -> list[BasePaymentProvider]:
    return [p for p in all_providers() if not p.is_enabled()]


def enabled_providers() -> list[BasePaymentProvider]:
    return [p for p in all_providers() if p.is_enabled()]


def provider(identifier: str) -> BasePaymentProvider:
    for p in all_providers():
        if p.identifier == identifier:
            return p
    raise PaymentError(f"Unknown payment method {identifier!r}.")


__all__ = [
    "BasePaymentProvider",
    "PaymentError",
    "PaymentOutcomeUnknown",
    "disabled_providers",
    "enabled_providers",
    "provider",
]
