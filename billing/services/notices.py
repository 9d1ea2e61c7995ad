"""E-mails about invoices and payments. Each takes ids and reads fresh rows."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from billing.models import Invoice, Payment


def _send(*, template: str, context: dict, to: str, attachments=()) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMessage(
        subject=render_to_string(f"billing/email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"billing/email/{template}.txt", context),
        to=[to],
    )
    for attachment in attachments:
        message.attach(*attachment)
    message.send()


def invoice_email_send(*, invoice_id: int) -> None:
    invoice = Invoice.objects.select_related("member__user").get(pk=invoice_id)
    _send(
        template="invoice",
        context={"invoice": invoice, "lines": invoice.lines.all(), "member": invoice.member},
        to=invoice.member.user.email,
    )


def receipt_email_send(*, payment_id: int) -> None:
    from billing.receipts import receipt_pdf

    payment = Payment.objects.select_related("invoice__member__user").get(pk=payment_id)
    invoice = payment.invoice
    _send(
        template="receipt",
        context={"invoice": invoice, "payment": payment, "member": invoice.member},
        to=invoice.member.user.email,
        attachments=[(f"receipt-{invoice.number}.pdf", receipt_pdf(invoice), "application/pdf")],
    )


def installment_notice_send(*, installment) -> None:
    invoice = installment.invoice
    _send(
        template="installment",
        context={"invoice": invoice, "installment": installment, "member": invoice.member},
        to=invoice.member.user.email,
    )


def invoice_expired_send(*, invoice) -> None:
    _send(
        template="expired",
        context={"invoice": invoice, "member": invoice.member},
        to=invoice.member.user.email,
    )


def card_charge_notice_send(*, charge_id: int, what: str) -> None:
    """`notice` (before the charge), `retry`, `stopped` or `authenticate` (after a failure)."""
    from billing.models import ScheduledCharge
    from billing.services.stripe_charges import pay_link
    from membership.models import MembershipRules

    rules = MembershipRules.current()

    charge = ScheduledCharge.objects.select_related("member__user", "invoice").get(pk=charge_id)
    _send(
        template=f"card_{what}",
        context={
            "charge": charge,
            "member": charge.member,
            "invoice": charge.invoice,
            "pay_link": pay_link(charge),
            "notice_days": rules.card_notice_days,
            "retries": len(rules.card_retry_days),
            "retries_left": max(len(rules.card_retry_days) - charge.attempts + 1, 0),
        },
        to=charge.member.user.email,
    )
