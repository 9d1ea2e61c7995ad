"""Template helpers for card payments, used by the invoice, receipt and dashboard pages."""

from django import template

from billing.gateways import stripe as gateway
from billing.models import Refund, StripeCustomer
from billing.selectors import invoice_refunds_made

register = template.Library()


@register.simple_tag
def card_payments_enabled() -> bool:
    return gateway.stripe_configured()


@register.simple_tag
def card_payments_disabled_reason() -> str:
    return "" if gateway.stripe_configured() else gateway.StripeProvider().disabled_reason()


@register.simple_tag
def invoice_refunds(invoice) -> list[Refund]:
    return invoice_refunds_made(invoice=invoice)


@register.simple_tag
def stripe_customer_of(member) -> StripeCustomer | None:
    # A page that joined the row in (select_related) has it already, or knows there is none.
    if type(member).stripe_customer.related.is_cached(member):
        return getattr(member, "stripe_customer", None)
    return StripeCustomer.objects.filter(member=member).first()
