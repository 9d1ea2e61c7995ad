from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice
from billing.services.bill_to import BILL_TO_FIELDS


class BillToForm(forms.ModelForm):
    """The member's billing details on their own open invoice."""

    class Meta:
        model = Invoice
        fields = BILL_TO_FIELDS
        labels = {
            "bill_to_organisation": _("Organisation billed"),
            "bill_to_address": _("Billing address"),
            "bill_to_email": _("Accounts-payable e-mail"),
            "purchase_order_number": _("Purchase-order number (optional)"),
        }
        widgets = {"bill_to_address": forms.Textarea(attrs={"rows": 3})}
