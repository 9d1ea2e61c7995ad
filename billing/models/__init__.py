from .invoice import (
    Installment,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceStatus,
)
from .payment import Payment, PaymentState

__all__ = [
    "Installment",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceNumberCounter",
    "InvoiceStatus",
    "Payment",
    "PaymentState",
]
