"""Invoices and receipts as documents: one template each, shown as a web page or printed to PDF.

The web page and the PDF are two renderings of the same template (`billing/invoice.html`,
`billing/receipt.html`): with `for_print` the template extends a bare print layout instead of
the portal's page, and WeasyPrint lays it out with `static/css/document.css`. Fonts are found by
family name (DejaVu Sans, then Noto Sans CJK for Chinese), so names in any script print.
"""

import datetime as dt
import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Invoice, Payment, PaymentState
from billing.selectors import invoice_refunds_made
from membership.dates import add_months
from membership.models import MembershipRules
from membership.services.lifecycle import _next_start_on

# The sender named on every document.
LETTERHEAD = {
    "name": "International City/County Management Association",
    "short_name": "ICMA",
    "address_lines": (
        "777 North Capitol Street NE, Suite 500",
        "Washington, DC 20002, USA",
    ),
    "phone": "+1 202 962 3680",
    "email": "membership@icma.org",
}


@dataclass(frozen=True)
class Period:
    start_on: dt.date
    end_on: dt.date
    # True while the invoice is unpaid: the dates are those a payment made today would give.
    projected: bool = False


@dataclass(frozen=True)
class PaymentLine:
    on: dt.date
    method: str
    amount_cents: int
    is_overpayment: bool


def payment_method_label(payment: Payment) -> str:
    """How the money came, in words: "Cheque 1042", "Bank transfer ref 88-A", "Visa ending 4242"."""
    if payment.gateway == "stripe":
        if payment.card_last4:
            brand = (payment.card_brand or "").replace("_", " ").title() or _("Card")
            if brand.lower() == "amex":
                brand = "American Express"
            return _("%(brand)s ending %(last4)s") % {"brand": brand, "last4": payment.card_last4}
        return _("Card payment")
    if payment.gateway == "credit":
        return _("Credit applied")
    if payment.gateway == "none":
        return _("No dues owed")
    label = offline_method_label(payment.gateway_ids.get("method", ""), payment.reference)
    if payment.gateway_ids.get("group"):
        label += " " + _("(consolidated invoice %(number)s)") % {
            "number": payment.gateway_ids["group"]
        }
    return label


def offline_method_label(method: str, reference: str) -> str:
    """A cheque or bank transfer in words, with its reference."""
    if method == "bank_transfer":
        if reference:
            return _("Bank transfer ref %(ref)s") % {"ref": reference}
        return _("Bank transfer")
    if reference:
        return _("Cheque %(ref)s") % {"ref": reference}
    return _("Cheque")


def invoice_period(invoice: Invoice, *, rules: MembershipRules | None = None) -> Period | None:
    """The membership period the invoice pays for: the term's dates once paid; before that, the
    dates a payment today would give (a renewal in good standing extends from the paid-through
    date, anything else starts on the payment day, as `term_activate` does)."""
    term = invoice.term
    if term.start_on and term.end_on:
        return Period(term.start_on, term.end_on)
    if invoice.status != "open":
        return None
    rules = rules or MembershipRules.current()
    today = timezone.localdate()
    start = _next_start_on(term.membership, rules, today) or today
    return Period(start, add_months(start, rules.term_months), projected=True)


def payments_received(invoice: Invoice) -> list[PaymentLine]:
    lines = []
    for payment in sorted(invoice.payments.all(), key=lambda payment: payment.pk):
        if payment.state not in (PaymentState.CONFIRMED, PaymentState.REFUNDED):
            continue
        on = payment.received_on or timezone.localdate(payment.confirmed_at or payment.created_at)
        method = payment_method_label(payment)
        lines.append(PaymentLine(on, method, payment.amount_cents, payment.is_overpayment))
    return sorted(lines, key=lambda line: line.on)


def installment_schedule(invoice: Invoice) -> dict | None:
    """For an invoice paid in parts: the part due now (the first unpaid one) and those due later."""
    parts = list(invoice.installments.all())
    if invoice.installment_count <= 1 or not parts:
        return None
    unpaid = [part for part in parts if part.paid_at is None]
    return {
        "parts": parts,
        "now": unpaid[0] if unpaid else None,
        "later": unpaid[1:],
        "later_cents": sum(part.amount_cents for part in unpaid[1:]),
    }


def document_context(invoice: Invoice, *, for_print: bool = False) -> dict:
    """What both renderings of an invoice or receipt show."""
    refunds = invoice_refunds_made(invoice=invoice)
    return {
        "invoice": invoice,
        "for_print": for_print,
        "layout": "billing/print.html" if for_print else "base.html",
        "letterhead": LETTERHEAD,
        "period": invoice_period(invoice),
        "payments_received": payments_received(invoice),
        "refunds": refunds,
        "refunded_cents": sum(refund.amount_cents for refund in refunds),
        "plan": installment_schedule(invoice),
        "credit_notes": list(invoice.credit_notes.all()),
    }


@dataclass(frozen=True)
class Section:
    """One member's part of a consolidated invoice: their own invoice, lines and period."""

    invoice: Invoice
    period: Period | None


def group_document_context(group, *, for_print: bool = False) -> dict:
    """What both renderings of a consolidated invoice show, in a fixed number of queries."""
    from billing.models import Invoice as MemberInvoice

    sections = list(
        MemberInvoice.objects.filter(group=group)
        .select_related("member__user", "member__membership", "term__membership")
        .prefetch_related("lines")
        .order_by("member__full_name", "pk")
    )
    payments = list(group.payments.all())
    rules = MembershipRules.current()
    return {
        "group": group,
        "for_print": for_print,
        "layout": "billing/print.html" if for_print else "base.html",
        "letterhead": LETTERHEAD,
        "sections": [Section(s, invoice_period(s, rules=rules)) for s in sections],
        "group_payments": [
            {
                "on": p.received_on,
                "method": offline_method_label(p.method, p.reference),
                "amount_cents": p.amount_cents,
                "credit_cents": p.credit_cents,
            }
            for p in payments
        ],
    }


def group_invoice_pdf(group) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "billing/group_invoice.html", group_document_context(group, for_print=True)
    )
    return HTML(string=html, base_url="/", url_fetcher=_static_fetcher).write_pdf()


def credit_note_context(note, *, for_print: bool = False) -> dict:
    return {
        "note": note,
        "invoice": note.invoice,
        "for_print": for_print,
        "layout": "billing/print.html" if for_print else "base.html",
        "letterhead": LETTERHEAD,
    }


def credit_note_pdf(note) -> bytes:
    from weasyprint import HTML

    html = render_to_string("billing/credit_note.html", credit_note_context(note, for_print=True))
    return HTML(string=html, base_url="/", url_fetcher=_static_fetcher).write_pdf()


def _static_fetcher(url: str) -> dict:
    """Static files from the finders (development) or the collected folder (production), never
    over the network; anything else is refused."""
    from weasyprint.urls import URLFetchingError

    prefix = settings.STATIC_URL
    path = None
    for start in (prefix, f"file://{prefix}"):
        if url.startswith(start):
            name = url[len(start) :].split("?", 1)[0]
            path = finders.find(name)
            if path is None:
                try:
                    path = staticfiles_storage.path(name)
                except NotImplementedError:
                    path = None
            break
    if path is None:
        raise URLFetchingError(f"not a static file: {url}")
    with open(path, "rb") as handle:
        data = handle.read()
    return {"string": data, "mime_type": mimetypes.guess_type(path)[0] or "text/css"}


def document_print_html(template: str, invoice: Invoice) -> str:
    """The print rendering of an invoice or receipt as HTML: the document as it stands now,
    before WeasyPrint lays it out (`print_html_pdf`)."""
    return render_to_string(template, document_context(invoice, for_print=True))


def print_html_pdf(html: str) -> bytes:
    """Lay out a print rendering with WeasyPrint: the slow part of making a PDF."""
    from weasyprint import HTML

    return HTML(string=html, base_url="/", url_fetcher=_static_fetcher).write_pdf()


def _pdf(template: str, invoice: Invoice) -> bytes:
    return print_html_pdf(document_print_html(template, invoice))


def invoice_pdf(invoice: Invoice) -> bytes:
    return _pdf("billing/invoice.html", invoice)


def receipt_pdf(invoice: Invoice) -> bytes:
    return _pdf("billing/receipt.html", invoice)
