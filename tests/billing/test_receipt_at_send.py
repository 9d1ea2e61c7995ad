"""A receipt's PDF is laid out by the mail worker when it sends the e-mail, not inside the
activation of the payment (a webhook drain's transaction), and it is the receipt as it stood
when the payment was applied."""

import pytest
import weasyprint
from django.core import mail

from billing.documents import receipt_pdf
from billing.models import Invoice, InvoiceStatus, Payment
from billing.services.stripe_events import stripe_event_process, stripe_event_record
from communications.models import MessageState, OutgoingMessage
from communications.services.outbox import message_send
from tests.billing.stripe_support import event_for, paid_session
from tests.billing.test_stripe_checkout import join_by_card
from tests.factories import MemberFactory, issue_invoice, pay_invoice
from tests.pdf_support import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def layouts(monkeypatch):
    """Counts WeasyPrint's layouts (each PDF made), calling the real one."""
    calls = []
    real = weasyprint.HTML.write_pdf

    def write_pdf(self, *args, **kwargs):
        calls.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_pdf)
    return calls


def test_activation_lays_out_no_pdf_and_the_sent_receipt_carries_it(
    member_client, member, fake_stripe, layouts, django_capture_on_commit_callbacks
):
    join_by_card(member_client)
    payment = Payment.objects.get(invoice__member=member)
    session = paid_session(payment)
    fake_stripe.pay(session)
    event, _new = stripe_event_record(event=event_for("checkout.session.completed", session))

    # The webhook drain; the send task it queues after commit is not run here.
    with django_capture_on_commit_callbacks(execute=False):
        stripe_event_process(event_id=event.pk, now_even_if_not_due=True)

    invoice = Invoice.objects.get(member=member)
    assert invoice.status == InvoiceStatus.PAID
    assert layouts == []
    receipt = OutgoingMessage.objects.get(key=f"receipt-{payment.pk}")
    assert receipt.state == MessageState.QUEUED

    assert message_send(message_id=receipt.pk) == MessageState.SENT

    assert len(layouts) == 1
    [email] = [m for m in mail.outbox if m.attachments]
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == (f"receipt-{invoice.number}.pdf", "application/pdf")
    text = pdf_text(content)
    assert f"Receipt for invoice {invoice.number}" in text
    assert "Visa ending 4242" in text or "Card payment" in text


def test_the_sent_receipt_is_the_receipt_as_paid_not_as_later_edited(
    django_capture_on_commit_callbacks,
):
    member = MemberFactory(full_name="Ana Kovač", employer="City of Split")
    invoice = issue_invoice(member)
    with django_capture_on_commit_callbacks(execute=False):
        payment = pay_invoice(invoice, reference="CHQ-881")
    invoice.refresh_from_db()
    as_paid = pdf_text(receipt_pdf(invoice))
    # Edits after the payment, before the worker sends the receipt.
    member.full_name = "Ana Horvat"
    member.save(update_fields=["full_name"])
    Invoice.objects.filter(pk=invoice.pk).update(bill_to_organisation="Someone Else Ltd")

    receipt = OutgoingMessage.objects.get(key=f"receipt-{payment.pk}")
    assert message_send(message_id=receipt.pk) == MessageState.SENT

    [email] = [m for m in mail.outbox if m.attachments]
    sent = pdf_text(email.attachments[0][1])
    assert sent == as_paid
    assert "Ana Kovač" in sent and "City of Split" in sent and "CHQ-881" in sent
    assert "Ana Horvat" not in sent and "Someone Else" not in sent
