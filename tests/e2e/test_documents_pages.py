"""The invoice and receipt pages in Chromium at desktop and phone widths, with screenshots."""

import pytest

from tests.billing.test_documents import ORGANISATION, paid_in_parts
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_invoice_and_receipt_pages_fit_and_show_the_document(
    page, screenshot, member, width, height
):
    member.full_name = "张伟"
    member.employer = ORGANISATION
    member.state_province = "Łódź"
    member.country = "PL"
    member.save()
    invoice = paid_in_parts(member)
    sign_in(page, member.user.email)
    page.set_viewport_size({"width": width, "height": height})
    for name, path in (
        ("invoice", f"/billing/invoices/{invoice.number}/"),
        ("receipt", f"/billing/invoices/{invoice.number}/receipt/"),
    ):
        page.goto(path)
        bill_to = page.get_by_test_id("bill-to")
        assert "张伟" in bill_to.inner_text() and "Łódź" in bill_to.inner_text()
        assert page.get_by_test_id("period").is_visible()
        assert "Visa ending 4242" in page.inner_text("main")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide}px wide at {width}px"
        screenshot(f"document-page-{name}-{width}")
