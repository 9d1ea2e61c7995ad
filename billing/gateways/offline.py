from django.utils.translation import gettext_lazy as _

from billing.gateways.base import BasePaymentProvider


class OfflineProvider(BasePaymentProvider):
    """Pay by invoice or cheque: the member gets an invoice; staff record the cheque later."""

    identifier = "offline"
    verbose_name = _("Invoice / cheque")
    description = _(
        "We issue an invoice now. Mail a cheque payable to ICMA quoting the invoice number; "
        "membership staff record it when it arrives (mailed payments can take a few weeks)."
    )

    def execute_payment(self, *, request, payment) -> str | None:
        return None
