"""The employer billing screens and what members see of them (billing/views/staff/employer.py,
billing/views/member.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.documents import group_invoice_pdf
from billing.models import GroupInvoice, Invoice
from billing.services.credits import credit_note_issue
from billing.services.employer import group_invoice_issue
from communications.models import OutgoingMessage
from membership.money import format_cents
from tests.factories import MemberFactory, issue_invoice, pay_invoice, staff_user
from tests.pdf_support import pdf_pages_png, pdf_text

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
CITY = "City of Riverbend"


@pytest.fixture
def city():
    return [
        MemberFactory(full_name=name, employer=CITY)
        for name in ("Maria Garcia", "Sam Okafor", "Lee Chen")
    ]


def make_group(members, **kwargs):
    return group_invoice_issue(
        members=members,
        bill_to_organisation=CITY,
        bill_to_address="1 Main Street",
        bill_to_email="ap@riverbend.example.gov",
        on=TODAY,
        issued_by=None,
        **kwargs,
    )


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_find_the_employers_members_and_issue_one_invoice(staff_client, city):
    new = reverse("billing_staff:group_new")
    found = staff_client.post(new, {"employer": "Riverbend", "action": "find"})
    body = found.content.decode()
    for member in city:
        assert member.display_name in body
    key = found.context["form"].initial["submission_key"]
    data = {
        "employer": "Riverbend",
        "members": [m.pk for m in city],
        "bill_to_organisation": CITY,
        "bill_to_address": "1 Main Street",
        "bill_to_email": "ap@riverbend.example.gov",
        "purchase_order_number": "",
        "submission_key": key,
        "action": "issue",
    }
    response = staff_client.post(new, data)
    group = GroupInvoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_staff:group_detail", args=[group.number])
    # The same form sent again (a double click) issues nothing more.
    staff_client.post(new, data)
    assert GroupInvoice.objects.count() == 1
    page = staff_client.get(response["Location"]).content.decode()
    assert page.count('data-testid="section"') == 3
    assert format_cents(group.total_cents) in page


def test_staff_record_a_partial_transfer_and_are_told_what_is_still_due(staff_client, city):
    group = make_group(city)
    url = reverse("billing_staff:group_record_payment", args=[group.number])
    form = staff_client.get(url).context["form"]
    response = staff_client.post(
        url,
        {
            "method": "bank_transfer",
            "reference": "WIRE-1",
            "received_on": TODAY.isoformat(),
            "amount": "100.00",
            "submission_key": form.initial["submission_key"],
        },
        follow=True,
    )
    body = response.content.decode()
    assert f"{format_cents(group.total_cents - 100_00)} is still due" in body
    assert "Bank transfer ref WIRE-1" in body


def test_a_member_sees_their_own_section_and_gets_404_for_the_others(city):
    group = make_group(city)
    mine = Invoice.objects.get(group=group, member=city[0])
    client = as_user(city[0].user)
    page = client.get(reverse("billing:invoice", args=[mine.number])).content.decode()
    assert "your section of consolidated invoice" in page
    for other in city[1:]:
        assert other.display_name not in page
        section = Invoice.objects.get(group=group, member=other)
        for name in ("billing:invoice", "billing:invoice_pdf"):
            assert client.get(reverse(name, args=[section.number])).status_code == 404
    staff_page = client.get(reverse("billing_staff:group_detail", args=[group.number]))
    assert staff_page.status_code == 403


def test_the_pdf_has_a_section_per_member_and_one_total(city):
    group = make_group(city)
    text = pdf_text(group_invoice_pdf(group))
    assert group.number in text and CITY in text
    for section in group.sections.all():
        assert section.member.display_name in text
        assert section.number in text
    assert f"Total {format_cents(group.total_cents)}" in text
    assert "ap@riverbend.example.gov" in text


def test_the_consolidated_page_reads_the_same_number_of_queries_for_more_members(staff_client):
    def queries_for(count):
        members = [MemberFactory(employer=f"Town {count}") for _ in range(count)]
        group = make_group(members)
        url = reverse("billing_staff:group_detail", args=[group.number])
        staff_client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert queries_for(2) == queries_for(6)


def test_staff_send_the_consolidated_invoice_to_accounts_payable_with_its_pdf(staff_client, city):
    group = make_group(city)
    staff_client.post(reverse("billing_staff:group_send", args=[group.number]))
    message = OutgoingMessage.objects.get(to="ap@riverbend.example.gov")
    assert group.number in message.subject
    attachment = message.attachments.get()
    assert attachment.filename == f"invoice-{group.number}.pdf"
    assert bytes(attachment.content).startswith(b"%PDF")


def test_a_member_sends_their_own_invoice_to_their_employer_but_not_anothers(member):
    invoice = issue_invoice(member)
    invoice.bill_to_email = "payables@example.gov"
    invoice.save(update_fields=["bill_to_email"])
    url = reverse("billing:invoice_send", args=[invoice.number])
    assert as_user(MemberFactory().user).post(url).status_code == 404
    assert not OutgoingMessage.objects.filter(to="payables@example.gov").exists()
    as_user(member.user).post(url)
    message = OutgoingMessage.objects.get(to="payables@example.gov")
    assert message.attachments.get().filename == f"invoice-{invoice.number}.pdf"


def test_a_purchase_order_shows_as_awaiting_payment_on_the_invoice(staff_client, member):
    invoice = issue_invoice(member)
    staff_client.post(
        reverse("billing_staff:invoice_purchase_order", args=[invoice.number]),
        {"number": "4471", "received_on": TODAY.isoformat()},
    )
    page = as_user(member.user).get(reverse("billing:invoice", args=[invoice.number]))
    body = page.content.decode()
    day = TODAY.strftime("%b. %-d, %Y").replace("May.", "May")
    assert "PO 4471 received" in body and "awaiting payment" in body
    assert page.context["invoice"].status == "open"
    assert day.split(".")[0] in body


def test_a_partly_paid_invoice_reads_the_same_balance_on_every_page(member):
    invoice = issue_invoice(member)
    pay_invoice(invoice, amount_cents=300_00, reference="ACH-1")
    balance = format_cents(invoice.total_cents - 300_00)
    client = as_user(member.user)
    dashboard = client.get(reverse("billing:dashboard")).content.decode()
    page = client.get(reverse("billing:invoice", args=[invoice.number])).content.decode()
    receipt = client.get(reverse("billing:receipt", args=[invoice.number])).content.decode()
    pdf = client.get(reverse("billing:invoice_pdf", args=[invoice.number])).content
    for body in (dashboard, page, receipt, pdf_text(pdf)):
        assert balance in body


def test_a_credit_note_is_its_own_document_for_the_member_only(member):
    invoice = issue_invoice(member)
    note = credit_note_issue(
        invoice=invoice, amount_cents=50_00, reason="Salary corrected", by=None
    )
    url = reverse("billing:credit_note", args=[note.number])
    body = as_user(member.user).get(url).content.decode()
    assert note.number in body and "Salary corrected" in body
    assert format_cents(invoice.total_cents - 50_00) in body
    assert as_user(MemberFactory().user).get(url).status_code == 404
    pdf = as_user(member.user).get(reverse("billing:credit_note_pdf", args=[note.number]))
    assert note.number in pdf_text(pdf.content)
    assert len(pdf_pages_png(pdf.content, keep_as="credit-note-pdf")) == 1


def test_staff_apply_an_overpayment_credit_to_the_members_next_invoice(staff_client, member):
    first = issue_invoice(member)
    pay_invoice(first, amount_cents=first.total_cents + 40_00, reference="ACH-9")
    credit = member.credits.get()
    renewal = issue_invoice(member, kind="renewal")
    staff_client.post(
        reverse("billing_staff:credit_detail", args=[credit.pk]),
        {"action": "apply", "invoice_number": renewal.number},
    )
    renewal.refresh_from_db()
    assert renewal.paid_cents == 40_00
    assert renewal.status == "open"


def test_staff_without_two_factor_do_not_reach_the_billing_screens(settings, city):
    settings.STAFF_REQUIRE_2FA = True
    group = make_group(city)
    client = as_user(staff_user(groups=["Membership staff"], with_totp=False))
    response = client.get(reverse("billing_staff:group_detail", args=[group.number]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
