"""E-mails about invoices and payments, queued in the outbox in the caller's transaction.

Each message has a key derived from the row it is about, so asking twice queues it once."""

from communications.services.outbox import Attachment, message_queue


def _queue(*, template: str, context: dict, member, key: str, facts: dict, attachments=()):
    return message_queue(
        to=member.user.email,
        template=f"billing/email/{template}",
        context={**context, "member": member},
        user=member.user_id,
        key=key,
        facts=facts,
        attachments=attachments,
    )


# The PDF of an e-mailed invoice or receipt is laid out by the mail worker when it sends the
# message, not in the transaction that queues it (a payment's activation holds row locks, and
# WeasyPrint takes a few hundred milliseconds). What it prints is fixed here, though: the
# document's print HTML as it stands in this transaction, so a later refund, credit note, name
# or bill-to change never alters a receipt already queued, and the sent PDF is the one the
# member would have got had it been printed at once.
DOCUMENT_PDF = "billing.document_pdf"


def document_pdf_render(spec: dict) -> bytes:
    """The renderer the mail worker calls (registered in billing/apps.py)."""
    from billing.documents import print_html_pdf

    return print_html_pdf(spec["html"])


def _document_pdf(*, template: str, invoice, filename: str, **ids) -> Attachment:
    from billing.documents import document_print_html

    return Attachment.later(
        filename=filename,
        mimetype="application/pdf",
        renderer=DOCUMENT_PDF,
        spec={
            "template": template,
            "invoice_id": invoice.pk,
            **ids,
            "html": document_print_html(template, invoice),
        },
    )


def invoice_email_queue(*, invoice) -> None:
    """The invoice with its PDF, as issued."""
    _queue(
        template="invoice",
        context={"invoice": invoice, "lines": invoice.lines.all()},
        member=invoice.member,
        key=f"invoice-{invoice.pk}",
        facts={"invoice": invoice.number},
        attachments=(
            _document_pdf(
                template="billing/invoice.html",
                invoice=invoice,
                filename=f"invoice-{invoice.number}.pdf",
            ),
        ),
    )


def receipt_email_queue(*, payment) -> None:
    """The receipt with its PDF, as the invoice stands once this payment is applied."""
    invoice = payment.invoice
    _queue(
        template="receipt",
        context={"invoice": invoice, "payment": payment},
        member=invoice.member,
        key=f"receipt-{payment.pk}",
        facts={"invoice": invoice.number, "payment_id": payment.pk},
        attachments=(
            _document_pdf(
                template="billing/receipt.html",
                invoice=invoice,
                filename=f"receipt-{invoice.number}.pdf",
                payment_id=payment.pk,
            ),
        ),
    )


def installment_notice_queue(*, installment) -> None:
    invoice = installment.invoice
    _queue(
        template="installment",
        context={"invoice": invoice, "installment": installment},
        member=invoice.member,
        key=f"installment-notice-{installment.pk}",
        facts={"invoice": invoice.number, "installment": installment.number},
    )


def invoice_expired_queue(*, invoice) -> None:
    _queue(
        template="expired",
        context={"invoice": invoice},
        member=invoice.member,
        key=f"invoice-expired-{invoice.pk}",
        facts={"invoice": invoice.number},
    )


def card_charge_notice_queue(*, charge_id: int, what: str) -> None:
    """`notice` (before the charge), `retry`, `stopped` or `authenticate` (after a failure).
    One message per charge, kind and attempt."""
    from billing.models import ScheduledCharge
    from billing.services.stripe_charges import pay_link
    from membership.models import MembershipRules

    rules = MembershipRules.current()
    charge = ScheduledCharge.objects.select_related("member__user", "invoice").get(pk=charge_id)
    _queue(
        template=f"card_{what}",
        context={
            "charge": charge,
            "invoice": charge.invoice,
            "lines": charge.invoice.lines.all(),
            "pay_link": pay_link(charge),
            "notice_days": rules.card_notice_days,
            "retries": len(rules.card_retry_days),
            "retries_left": max(len(rules.card_retry_days) - charge.attempts + 1, 0),
        },
        member=charge.member,
        key=f"card-{what}-{charge.pk}-{charge.attempts}",
        facts={"charge": charge.key, "what": what, "attempt": charge.attempts},
    )


def employer_invoice_send(*, document, by, pdf: bytes) -> None:
    """An invoice (a member's own, or a consolidated one) to the accounts-payable e-mail on its
    bill-to, with its PDF. Each request to send queues one message (staff may send again after
    a PO arrives); a form posted twice in the same second is one message."""
    import time

    if not document.bill_to_email:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(
            _("Add the accounts-payable e-mail to the billing details first, then send.")
        )
    kind = "group" if hasattr(document, "sections") else "invoice"
    message_queue(
        to=document.bill_to_email,
        template="billing/email/employer_invoice",
        context={
            "document": {
                "number": document.number,
                "balance_cents": document.balance_cents,
                "due_on": document.due_on,
                "purchase_order_number": document.purchase_order_number,
            },
            "bill_to": {"organisation": document.bill_to_organisation},
        },
        user=None,
        key=f"employer-{kind}-{document.pk}-{int(time.time())}",
        facts={"invoice": document.number, "sent_by": getattr(by, "pk", None)},
        attachments=(
            Attachment(
                filename=f"invoice-{document.number}.pdf",
                content=pdf,
                mimetype="application/pdf",
            ),
        ),
    )
