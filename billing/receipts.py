"""The receipt as a PDF, drawn with reportlab (text only, A4/Letter-safe margins)."""

import io

from django.utils import timezone
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from billing.models import Invoice, PaymentState
from billing.selectors import invoice_refunds_made
from membership.money import format_cents


def receipt_pdf(invoice: Invoice) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LETTER, invariant=1)
    pdf.setTitle(f"Receipt {invoice.number}")
    width, height = LETTER
    left, right = inch, width - inch
    y = height - inch

    def line(text, *, size=10, bold=False, amount=None, gap=16):
        nonlocal y
        if y < inch:
            pdf.showPage()
            y = height - inch
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        pdf.drawString(left, y, text)
        if amount is not None:
            pdf.drawRightString(right, y, amount)
        y -= gap

    member = invoice.member
    line("ICMA, International City/County Management Association", size=14, bold=True, gap=22)
    line(f"Receipt for invoice {invoice.number}", size=12, bold=True, gap=20)
    line(f"Member: {member.display_name} ({member.member_number})")
    line(f"Category: {invoice.category_name}")
    line(f"Issued: {invoice.issued_on:%B %d, %Y}")
    line(
        f"Dues schedule: {invoice.schedule_name}, effective {invoice.schedule_effective_from}",
        gap=24,
    )
    for item in invoice.lines.all():
        line(item.label[:90], amount=format_cents(item.amount_cents))
    line("Total", bold=True, amount=format_cents(invoice.total_cents), gap=24)
    line("Payments received", bold=True)
    for payment in invoice.payments.filter(
        state__in=[PaymentState.CONFIRMED, PaymentState.REFUNDED]
    ):
        when = payment.received_on or timezone.localdate(payment.confirmed_at)
        label = f"{when:%B %d, %Y} via {payment.gateway}"
        if payment.reference:
            label += f", ref. {payment.reference}"
        if payment.is_overpayment:
            label += " (overpayment, to be returned)"
        line(label, amount=format_cents(payment.amount_cents))
    line("Paid", bold=True, amount=format_cents(invoice.paid_cents))
    refunds = invoice_refunds_made(invoice=invoice)
    if refunds:
        line("Refunds", bold=True, gap=16)
        for refund in refunds:
            label = f"{timezone.localdate(refund.created_at):%B %d, %Y} refund to card"
            if refund.term_cancelled:
                label += " (membership term cancelled)"
            line(label, amount="-" + format_cents(refund.amount_cents))
        refunded = sum(r.amount_cents for r in refunds)
        line("Refunded", bold=True, amount="-" + format_cents(refunded))
    line("Balance due", bold=True, amount=format_cents(invoice.balance_cents), gap=24)
    line("All amounts in US dollars. Thank you for your membership.", size=9)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
