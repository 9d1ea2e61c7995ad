"""Who an invoice is addressed to: filled from the member's profile when it is issued, and
editable (purchase-order number, billing address) while the invoice is open. The bill-to block
is addressing, not the quote: an invoice's amounts and lines never change."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceStatus

BILL_TO_FIELDS = (
    "bill_to_organisation",
    "bill_to_address",
    "bill_to_email",
    "purchase_order_number",
)


def bill_to_defaults(*, member) -> dict:
    """The employer, where it is (state or province, country) and the member's e-mail."""
    place = ", ".join(part for part in (member.state_province, member.country.name) if part)
    return {
        "bill_to_organisation": member.employer,
        "bill_to_address": place,
        "bill_to_email": member.user.email,
    }


@transaction.atomic
def invoice_bill_to_update(
    *,
    invoice: Invoice,
    bill_to_organisation: str,
    bill_to_address: str,
    bill_to_email: str,
    purchase_order_number: str,
) -> Invoice:
    """Change the addressing of an open invoice; a closed or paid one keeps what it said."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(
            _("Invoice %(number)s is %(status)s; its billing details can no longer change.")
            % {"number": invoice.number, "status": invoice.get_status_display().lower()}
        )
    invoice.bill_to_organisation = bill_to_organisation.strip()
    invoice.bill_to_address = bill_to_address.strip()
    invoice.bill_to_email = bill_to_email.strip()
    invoice.purchase_order_number = purchase_order_number.strip()
    invoice.save(update_fields=list(BILL_TO_FIELDS))
    return invoice
