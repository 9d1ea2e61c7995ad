from .employer import (
    Credit,
    CreditNote,
    CreditNoteNumberCounter,
    GroupInvoice,
    GroupInvoiceStatus,
    GroupPayment,
    OfflineMethod,
)
from .exports import ExportState, MemberExport, MemberExportPart
from .invoice import (
    Installment,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceStatus,
)
from .payment import Payment, PaymentState
from .stripe import (
    ChargeKind,
    ChargeState,
    EventState,
    Refund,
    RefundState,
    ScheduledCharge,
    StripeCustomer,
    StripeEvent,
)

__all__ = [
    "ExportState",
    "MemberExport",
    "MemberExportPart",
    "Credit",
    "CreditNote",
    "CreditNoteNumberCounter",
    "GroupInvoice",
    "GroupInvoiceStatus",
    "GroupPayment",
    "OfflineMethod",
    "ChargeKind",
    "ChargeState",
    "EventState",
    "Refund",
    "RefundState",
    "ScheduledCharge",
    "StripeCustomer",
    "StripeEvent",
    "Installment",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceNumberCounter",
    "InvoiceStatus",
    "Payment",
    "PaymentState",
]
