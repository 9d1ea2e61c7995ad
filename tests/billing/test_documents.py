"""Invoices and receipts as documents (billing/documents.py): the PDF and the web page are
renderings of one template, with letterhead, bill-to block, period, method and refunds."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageOps

from billing.documents import invoice_pdf, payment_method_label, receipt_pdf
from billing.models import Invoice, Payment, PaymentState, Refund, RefundState
from billing.services.stripe_checkout import card_payment_confirm
from communications.models import OutgoingAttachment
from communications.services.outbox import message_send
from membership.models import Membership
from tests.factories import MemberFactory, activate_membership, issue_invoice, pay_invoice
from tests.pdf_support import pdf_pages_png, pdf_text

pytestmark = pytest.mark.django_db

ORGANISATION = "Urząd Miasta Łodzi"


@pytest.fixture
def zhang(member):
    member.full_name = "张伟"
    member.employer = ORGANISATION
    member.state_province = "Łódź"
    member.country = "PL"
    member.save()
    return member


def long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def renewal_in_three(member) -> Invoice:
    activate_membership(member, category="full")
    return issue_invoice(member, kind="renewal", installments=3)


def pay_by_card(invoice: Invoice, *, brand="visa", last4="4242") -> Payment:
    invoice.refresh_from_db()
    installment = invoice.installments.filter(paid_at__isnull=True).first()
    payment = Payment.objects.create(
        invoice=invoice,
        installment=installment,
        gateway="stripe",
        amount_cents=installment.amount_cents,
        gateway_ids={"checkout_session": "cs_test_documents"},
    )
    card_payment_confirm(
        payment_id=payment.pk,
        amount_cents=payment.amount_cents,
        currency="usd",
        payment_intent_id="pi_test_documents",
        card_brand=brand,
        card_last4=last4,
    )
    payment.refresh_from_db()
    return payment


def paid_in_parts(member):
    """A renewal in three parts: one by cheque 1042, one by Visa 4242 with $50 refunded (and a
    refund still pending, which is no money given back yet), one still due."""
    invoice = renewal_in_three(member)
    pay_invoice(invoice, reference="1042")
    card = pay_by_card(invoice)
    Refund.objects.create(
        payment=card, amount_cents=50_00, reason="goodwill", state=RefundState.SUCCEEDED
    )
    Refund.objects.create(payment=card, amount_cents=7_77, reason="x", state=RefundState.CREATED)
    invoice.refresh_from_db()
    return invoice


def test_invoice_pdf_has_letterhead_bill_to_period_and_installments_due_now_and_later(zhang):
    invoice = renewal_in_three(zhang)
    parts = list(invoice.installments.all())
    end = Membership.objects.get(member=zhang).paid_through_on

    text = pdf_text(invoice_pdf(invoice))

    assert "777 North Capitol Street NE, Suite 500" in text
    assert "Washington, DC 20002" in text
    assert "BILL TO" in text  # the heading is set in capitals
    assert "张伟" in text
    assert ORGANISATION in text
    assert "Łódź, Poland" in text
    assert zhang.user.email in text
    assert "Membership period" in text
    assert f"{long_date(end)} –" in text  # a renewal in good standing runs on from the old end
    assert f"Due now: ${parts[0].amount_cents / 100:,.2f}" in text
    assert long_date(parts[1].due_on) in text and long_date(parts[2].due_on) in text
    assert "due later" in text


def test_receipt_pdf_names_methods_refunds_and_period_in_any_script(zhang):
    invoice = paid_in_parts(zhang)
    term = invoice.term
    term.refresh_from_db()

    text = pdf_text(receipt_pdf(invoice))

    assert "张伟" in text and "Łódź" in text
    assert "Cheque 1042" in text
    assert "Visa ending 4242" in text
    assert f"{long_date(term.start_on)} – {long_date(term.end_on)}" in text
    assert "refund to card" in text
    assert "−$50.00" in text
    assert "$7.77" not in text  # not refunded yet


def test_names_in_other_scripts_print(member):
    member.full_name = "Zhāng Wěi"
    member.employer = "Nguyễn Văn An Consulting"
    member.save()
    invoice = issue_invoice(member)
    text = pdf_text(invoice_pdf(invoice))
    assert "Zhāng Wěi" in text
    assert "Nguyễn Văn An Consulting" in text


def dark_share(png) -> float:
    image = ImageOps.grayscale(Image.open(png))
    histogram = image.histogram()
    return sum(histogram[:128]) / (image.width * image.height)


def test_invoice_and_receipt_pdfs_render_to_non_blank_pages(zhang):
    invoice = paid_in_parts(zhang)
    for name, pdf in (("invoice", invoice_pdf(invoice)), ("receipt", receipt_pdf(invoice))):
        pages = pdf_pages_png(pdf, keep_as=f"document-{name}")
        assert pages, name
        with Image.open(pages[0]) as image:
            assert image.width > 500 and image.height > 600  # a US letter page at 80 dpi
        # Text and the letterhead's mark ink the page; a blank or failed render does not.
        assert 0.01 < dark_share(pages[0]) < 0.5, name


def test_the_invoice_page_shows_what_the_pdf_shows(client, zhang):
    invoice = renewal_in_three(zhang)
    client.force_login(zhang.user)
    body = client.get(reverse("billing:invoice", args=[invoice.number])).content.decode()
    assert "777 North Capitol Street NE, Suite 500" in body
    assert 'data-testid="bill-to"' in body
    assert "张伟" in body and ORGANISATION in body
    assert 'data-testid="period"' in body
    assert 'data-testid="installment-plan"' in body
    assert "Due now:" in body
    part = invoice.installments.get(number=2)
    assert long_date(part.due_on) in body  # one date format, the month written out
    assert reverse("billing:invoice_pdf", args=[invoice.number]) in body


def test_the_receipt_page_shows_methods_and_refunds(client, zhang):
    invoice = paid_in_parts(zhang)
    client.force_login(zhang.user)
    body = client.get(reverse("billing:receipt", args=[invoice.number])).content.decode()
    assert "Cheque 1042" in body
    assert "Visa ending 4242" in body
    assert "Łódź" in body
    assert "−$50.00" in body
    assert "$7.77" not in body


def test_invoice_pdf_downloads_for_its_member(member_client, member):
    invoice = issue_invoice(member)
    response = member_client.get(reverse("billing:invoice_pdf", args=[invoice.number]))
    assert response["Content-Type"] == "application/pdf"
    assert f"invoice-{invoice.number}.pdf" in response["Content-Disposition"]
    assert invoice.number in pdf_text(response.content)


def test_another_members_invoice_pdf_is_404(member_client):
    invoice = issue_invoice(MemberFactory())
    response = member_client.get(reverse("billing:invoice_pdf", args=[invoice.number]))
    assert response.status_code == 404


def test_the_invoice_email_carries_the_invoice_pdf(zhang, django_capture_on_commit_callbacks):
    invoice = issue_invoice(zhang)
    [attachment] = OutgoingAttachment.objects.filter(message__key=f"invoice-{invoice.pk}")
    assert attachment.filename == f"invoice-{invoice.number}.pdf"
    assert attachment.mimetype == "application/pdf"

    # The PDF is laid out when the mail worker sends the message.
    message_send(message_id=attachment.message_id)

    [email] = [m for m in mail.outbox if m.attachments]
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == (f"invoice-{invoice.number}.pdf", "application/pdf")
    text = pdf_text(content)
    assert invoice.number in text and "张伟" in text


def test_issued_invoice_is_addressed_from_the_profile(zhang):
    invoice = issue_invoice(zhang)
    assert invoice.bill_to_organisation == ORGANISATION
    assert invoice.bill_to_address == "Łódź, Poland"
    assert invoice.bill_to_email == zhang.user.email
    assert invoice.purchase_order_number == ""


def test_member_sets_po_number_and_address_on_own_open_invoice(member_client, member):
    invoice = issue_invoice(member)
    lines = list(invoice.lines.values_list("label", "amount_cents"))
    response = member_client.post(
        reverse("billing:invoice", args=[invoice.number]),
        {
            "bill_to_organisation": "City of Łódź, Finance Department",
            "bill_to_address": "ul. Piotrkowska 104\n90-926 Łódź",
            "bill_to_email": "ap@uml.lodz.pl",
            "purchase_order_number": "PO-2026-0042",
        },
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.purchase_order_number == "PO-2026-0042"
    assert invoice.bill_to_address == "ul. Piotrkowska 104\n90-926 Łódź"
    # Addressing only: the issued amounts and lines are untouched.
    assert list(invoice.lines.values_list("label", "amount_cents")) == lines
    text = pdf_text(invoice_pdf(invoice))
    assert "PO-2026-0042" in text and "ap@uml.lodz.pl" in text and "Piotrkowska 104" in text


def test_a_bad_email_is_refused_and_nothing_is_lost(member_client, member):
    invoice = issue_invoice(member)
    response = member_client.post(
        reverse("billing:invoice", args=[invoice.number]),
        {"bill_to_email": "not-an-address", "purchase_order_number": "PO-1"},
    )
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content
    invoice.refresh_from_db()
    assert invoice.purchase_order_number == ""
    assert invoice.bill_to_email == member.user.email


def test_another_members_invoice_cannot_be_readdressed(member_client):
    other = issue_invoice(MemberFactory())
    response = member_client.post(
        reverse("billing:invoice", args=[other.number]), {"purchase_order_number": "PO-X"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.purchase_order_number == ""


def test_a_paid_invoice_keeps_its_addressing(member_client, member):
    invoice = issue_invoice(member)
    pay_invoice(invoice)
    response = member_client.post(
        reverse("billing:invoice", args=[invoice.number]), {"purchase_order_number": "PO-LATE"}
    )
    assert response.status_code == 404
    invoice.refresh_from_db()
    assert invoice.purchase_order_number == ""
    page = member_client.get(reverse("billing:invoice", args=[invoice.number]))
    assert b"bill-to-form" not in page.content


@pytest.mark.parametrize(
    ("gateway", "fields", "words"),
    [
        ("offline", {"reference": "1042"}, "Cheque 1042"),
        (
            "offline",
            {"reference": "88-A", "gateway_ids": {"method": "bank_transfer"}},
            "Bank transfer ref 88-A",
        ),
        ("stripe", {"card_brand": "visa", "card_last4": "4242"}, "Visa ending 4242"),
        ("stripe", {"card_brand": "amex", "card_last4": "0005"}, "American Express ending 0005"),
        ("stripe", {}, "Card payment"),
    ],
)
def test_payment_method_in_words(gateway, fields, words):
    assert payment_method_label(Payment(gateway=gateway, amount_cents=1, **fields)) == words


def test_checkout_keeps_the_card_brand_and_last_four(member, fake_stripe):
    from billing.services.stripe_checkout import checkout_fulfil
    from tests.billing.stripe_support import paid_session, stripe_object

    invoice = issue_invoice(member)
    payment = Payment.objects.create(
        invoice=invoice,
        gateway="stripe",
        amount_cents=invoice.total_cents,
        gateway_ids={"checkout_session": "cs_test_card_words"},
    )
    session = paid_session(payment)
    charge = stripe_object("charge", id=f"ch_for_payment_{payment.pk}")
    charge["payment_method_details"]["card"].update(brand="mastercard", last4="4444")
    session["payment_intent"]["latest_charge"] = charge
    fake_stripe.pay(session)

    checkout_fulfil(session_id=session["id"])

    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    assert payment_method_label(payment) == "Mastercard ending 4444"
    assert payment.gateway_ids["charge"] == charge["id"]
    assert timezone.localdate() == payment.received_on
