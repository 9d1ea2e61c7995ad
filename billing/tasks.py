from celery import shared_task

from billing.services import notices


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invoice_email(invoice_id: int) -> None:
    """Sent once after the invoice is committed; a retry re-sends the same invoice."""
    notices.invoice_email_send(invoice_id=invoice_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_receipt_email(payment_id: int) -> None:
    notices.receipt_email_send(payment_id=payment_id)
