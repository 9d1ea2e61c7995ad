"""Employer billing in Chromium: staff bill a city for its manager and two assistants on one
consolidated invoice, record one bank transfer for the total and every term is extended once;
a partial transfer leaves the balance due; a second identical transfer is kept as a credit."""

import datetime as dt
import re
from pathlib import Path

import pytest

from billing.models import Credit, GroupInvoice, Invoice, InvoiceStatus
from membership.dates import add_months
from membership.models import Membership, MembershipTerm, TermStatus
from membership.models.member import Position
from membership.money import cents_to_dollars, format_cents
from tests.e2e.helpers import sign_in, sign_in_as_staff
from tests.factories import MemberFactory, activate_membership
from tests.pdf_support import pdf_pages_png, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CITY = "City of Riverbend"
TODAY = dt.date.today()


def _city():
    manager = MemberFactory(full_name="Maria Garcia", employer=CITY, annual_salary_cents=180_000_00)
    ends_on = TODAY + dt.timedelta(days=40)
    activate_membership(manager, end_on=ends_on)
    assistants = [
        MemberFactory(
            full_name=name, employer=CITY, position=Position.ACAO, annual_salary_cents=salary
        )
        for name, salary in (("Sam Okafor", 120_000_00), ("Lee Chen", 110_000_00))
    ]
    return manager, assistants, ends_on


def _bill(page, screenshot, *, employer, names, organisation, email, po=""):
    page.goto("/staff/members/")
    page.get_by_role("link", name="Employer invoices").click()
    page.get_by_role("link", name="Bill an employer").click()
    page.locator("#id_employer").fill(employer)
    page.get_by_role("button", name="Find members").click()
    for name in names:
        page.get_by_label(re.compile(re.escape(name))).check()
    page.get_by_label("Organisation billed").fill(organisation)
    page.get_by_label("Billing address").fill("1 Main Street\nRiverbend, VA 22000")
    page.get_by_label("Accounts-payable e-mail").fill(email)
    if po:
        page.get_by_label("Purchase-order number").fill(po)
    screenshot(f"employer-new-{employer.lower()}")
    page.get_by_role("button", name="Issue the consolidated invoice").click()
    page.wait_for_url(re.compile(r"/staff/employer-invoices/INV-\d{4}-\d{6}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    return GroupInvoice.objects.get(number=number)


def _transfer(page, group, *, amount_cents, reference):
    page.goto(f"/staff/employer-invoices/{group.number}/")
    page.get_by_role("link", name="Record a payment").click()
    page.get_by_label("Bank transfer (wire or ACH)").check()
    page.get_by_label("Cheque number or transfer reference").fill(reference)
    page.get_by_label("Amount (USD)").fill(str(cents_to_dollars(amount_cents)))
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_url(re.compile(rf"/staff/employer-invoices/{group.number}/$"))


def test_a_city_pays_one_transfer_for_its_manager_and_two_assistants(
    browser, live_server, page, screenshot
):
    manager, assistants, ends_on = _city()
    MemberFactory(full_name="Pat Elsewhere", employer="Town of Elsewhere")
    town = [
        MemberFactory(full_name=name, employer="Town of Elm Grove", position=Position.ACAO)
        for name in ("Avery Stone", "Jordan Reyes")
    ]
    sign_in_as_staff(page)

    group = _bill(
        page,
        screenshot,
        employer="Riverbend",
        names=["Maria Garcia", "Sam Okafor", "Lee Chen"],
        organisation=CITY,
        email="ap@riverbend.example.gov",
        po="4471",
    )
    assert group.sections.count() == 3
    assert "Pat Elsewhere" not in page.content()
    sections = page.locator('[data-testid="section"]')
    assert sections.count() == 3
    total = format_cents(group.total_cents)
    assert page.get_by_test_id("group-total").inner_text() == total
    assert sum(s.total_cents for s in group.sections.all()) == group.total_cents
    screenshot("employer-invoice-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("employer-invoice-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # The PDF: one document, a section per member, one total.
    pdf = page.request.get(f"/staff/employer-invoices/{group.number}/invoice.pdf").body()
    text = pdf_text(pdf)
    for name in ("Maria Garcia", "Sam Okafor", "Lee Chen", CITY, "ap@riverbend.example.gov"):
        assert name in text
    assert f"Total {total}" in text
    assert pdf_pages_png(pdf, dpi=70, keep_as="employer-invoice-pdf")

    # One bank transfer for the total: all three terms extended, once.
    _transfer(page, group, amount_cents=group.total_cents, reference="FED-20261203-77")
    page.wait_for_selector("text=every member's membership is extended")
    screenshot("employer-invoice-paid")
    assert page.get_by_test_id("group-status").inner_text() == "Paid"
    assert Membership.objects.get(member=manager).paid_through_on == add_months(ends_on, 12)
    for member in [manager, *assistants]:
        section = Invoice.objects.get(group=group, member=member)
        assert section.status == InvoiceStatus.PAID
        assert section.term.status == TermStatus.ACTIVE
    paid_through = {
        m.pk: Membership.objects.get(member=m).paid_through_on for m in [manager, *assistants]
    }
    active_terms = MembershipTerm.objects.filter(status=TermStatus.ACTIVE).count()

    # The same transfer again: kept as the city's credit, never a second extension.
    _transfer(page, group, amount_cents=group.total_cents, reference="FED-20261203-77")
    page.wait_for_selector("text=was kept as the employer's credit")
    screenshot("employer-invoice-second-transfer")
    credit = Credit.objects.get(group=group)
    assert credit.amount_cents == group.total_cents
    assert MembershipTerm.objects.filter(status=TermStatus.ACTIVE).count() == active_terms
    for member in [manager, *assistants]:
        assert Membership.objects.get(member=member).paid_through_on == paid_through[member.pk]
    page.get_by_role("link", name=re.compile("Credit of")).click()
    assert page.get_by_test_id("credit-left").inner_text() == total
    screenshot("employer-credit")

    # Another employer pays part: the balance stays due and no one's term starts.
    elm = _bill(
        page,
        screenshot,
        employer="Elm Grove",
        names=["Avery Stone", "Jordan Reyes"],
        organisation="Town of Elm Grove",
        email="finance@elmgrove.example.gov",
    )
    _transfer(page, elm, amount_cents=300_00, reference="ACH-5521")
    page.wait_for_selector("text=is still due")
    balance = format_cents(elm.total_cents - 300_00)
    assert page.get_by_test_id("group-balance").inner_text() == balance
    assert page.get_by_test_id("group-status").inner_text() == "Open"
    screenshot("employer-invoice-partial")
    for member in town:
        section = Invoice.objects.get(group=elm, member=member)
        assert section.status == InvoiceStatus.OPEN
        assert section.term.status == TermStatus.PENDING
        assert not Membership.objects.get(member=member).paid_through_on

    # The manager sees her own section only, with the same amount on every page.
    mine = Invoice.objects.get(group=group, member=manager)
    theirs = Invoice.objects.get(group=group, member=assistants[0])
    amount = format_cents(mine.total_cents)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    member_page = context.new_page()
    sign_in(member_page, manager.user.email)
    member_page.goto("/membership/")
    assert amount in member_page.content()
    member_page.goto(f"/billing/invoices/{mine.number}/")
    assert member_page.get_by_test_id("invoice-total").inner_text() == amount
    assert "Sam Okafor" not in member_page.content()
    member_page.screenshot(path=str(_shot("employer-member-section-1280")), full_page=True)
    member_page.goto(f"/billing/invoices/{mine.number}/receipt/")
    assert member_page.get_by_test_id("receipt-paid").inner_text() == amount
    assert "Bank transfer ref FED-20261203-77" in member_page.content()
    member_page.set_viewport_size({"width": 390, "height": 844})
    member_page.screenshot(path=str(_shot("employer-member-receipt-390")), full_page=True)
    receipt_pdf = member_page.request.get(f"/billing/invoices/{mine.number}/receipt.pdf").body()
    assert amount in pdf_text(receipt_pdf)
    invoice_pdf = member_page.request.get(f"/billing/invoices/{mine.number}/invoice.pdf").body()
    assert amount in pdf_text(invoice_pdf)
    assert "Sam Okafor" not in pdf_text(invoice_pdf)
    response = member_page.goto(f"/billing/invoices/{theirs.number}/")
    assert response.status == 404
    response = member_page.goto(f"/staff/employer-invoices/{group.number}/")
    assert response.status == 403
    context.close()


def _shot(name: str) -> Path:
    from tests.conftest import SCREENSHOT_DIR

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR / f"{name}.png"
