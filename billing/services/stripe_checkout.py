"""Card payments through Stripe Checkout: starting one, and applying the money exactly once."""

from dataclasses import dataclass

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import PaymentError, provider
from billing.gateways import stripe as gateway
from billing.models import (
    ChargeState,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentState,
    ScheduledCharge,
    StripeCustomer,
)
from billing.services.invoices import invoice_amount_due
from billing.services.payments import invoice_apply_payment
from membership.models import Member
from membership.money import format_cents
from membership.services.lifecycle import membership_lock

DONE = (PaymentState.CONFIRMED, PaymentState.REFUNDED)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Fulfilment:
    """What one call of the fulfilment did: `activated` (the term started), `applied` (money
    applied, term already active), `already` (nothing to do), `unpaid`, `mismatch`,
    `overpayment` or `unknown` (not one of our payments)."""

    outcome: str
    payment: Payment | None = None
    detail: str = ""


def stripe_customer_ensure(*, member: Member) -> StripeCustomer:
    """The member's one Stripe Customer, created at Stripe the first time it is needed. The
    idempotency key is the member's id, so two requests at once create one Customer."""
    existing = StripeCustomer.objects.filter(member=member).first()
    if existing is not None:
        return existing
    customer_id = gateway.customer_create(
        member_id=member.pk,
        email=member.user.email,
        name=member.display_name,
        idempotency_key=f"customer-member-{member.pk}",
    )
    customer, _created = StripeCustomer.objects.get_or_create(
        member=member, defaults={"customer_id": customer_id}
    )
    return customer


def card_checkout_start(*, invoice: Invoice, auto_renew: bool = False, request=None) -> str:
    """Open Stripe Checkout for what is due now on the invoice (the balance, or the next
    installment) and return the address to send the member to. The card is saved for later
    charges when the member chose auto-renew or pays in installments."""
    customer = stripe_customer_ensure(member=invoice.member)
    checkout_sessions_expire_earlier(invoice=invoice)
    with transaction.atomic():
        membership_lock(member=invoice.member)
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.OPEN:
            raise PaymentError(
                _("Invoice %(number)s is %(status)s; there is nothing to pay on it.")
                % {"number": invoice.number, "status": invoice.get_status_display().lower()}
            )
        if invoice.group_id is not None:
            raise PaymentError(
                _("Invoice %(n)s is paid by your employer on a consolidated invoice.")
                % {"n": invoice.number}
            )
        due_cents, installment = invoice_amount_due(invoice)
        if due_cents <= 0:
            raise PaymentError(_("Nothing is due on invoice %(n)s.") % {"n": invoice.number})
        save_card = auto_renew or invoice.installment_count > 1
        payment = Payment.objects.create(
            invoice=invoice,
            installment=installment,
            gateway="stripe",
            state=PaymentState.CREATED,
            amount_cents=due_cents,
            gateway_ids={
                "customer": customer.customer_id,
                "save_card": save_card,
                "auto_renew": auto_renew,
            },
        )
    # Stripe is called outside the locks; the payment row's id is the idempotency key.
    url = provider("stripe").execute_payment(request=request, payment=payment)
    Payment.objects.filter(pk=payment.pk, state=PaymentState.CREATED).update(
        state=PaymentState.PENDING
    )
    return url


def checkout_sessions_expire_earlier(*, invoice: Invoice) -> int:
    """Opening Checkout again for an invoice first closes the sessions opened before for it, so
    an old tab cannot take a second payment. A session Stripe no longer holds open (paid a
    moment ago) is left to its event. Returns the number closed."""
    earlier = Payment.objects.filter(
        invoice=invoice,
        gateway="stripe",
        state__in=(PaymentState.CREATED, PaymentState.PENDING),
        gateway_ids__has_key="checkout_session",
    )
    closed = 0
    for payment in earlier:
        if gateway.checkout_session_expire(payment.gateway_ids["checkout_session"]):
            closed += card_payment_close(
                payment_id=payment.pk,
                state=PaymentState.CANCELED,
                note=_("Replaced by a new Checkout for the same invoice."),
            )
    return closed


def payment_for_metadata(metadata: dict | None) -> Payment | None:
    if not isinstance(metadata, dict):
        return None
    payment_id = metadata.get("payment_id", "")
    if not str(payment_id).isdigit():
        return None
    return Payment.objects.filter(pk=int(payment_id), gateway="stripe").first()


def stripe_id_of(value) -> str:
    if isinstance(value, dict):
        return value.get("id", "")
    return value or ""


def checkout_fulfil(*, session_id: str) -> Fulfilment:
    """The one fulfilment path for Checkout (webhooks and the success page): fetch the session
    from Stripe, act only when it is paid, and apply the money exactly once."""
    session = gateway.checkout_session_retrieve(session_id)
    payment = payment_for_metadata(session.get("metadata"))
    if payment is None:
        return Fulfilment("unknown", detail=_("The session is not for one of our payments."))
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return Fulfilment("unpaid", payment)
    intent = session.get("payment_intent")
    brand, last4 = card_of(intent.get("latest_charge") if isinstance(intent, dict) else None)
    return card_payment_confirm(
        payment_id=payment.pk,
        amount_cents=session.get("amount_total"),
        currency=session.get("currency") or "",
        payment_intent_id=stripe_id_of(intent),
        charge_id=stripe_id_of(intent.get("latest_charge")) if isinstance(intent, dict) else "",
        payment_method_id=stripe_id_of(intent.get("payment_method"))
        if isinstance(intent, dict)
        else "",
        session_id=session_id,
        card_brand=brand,
        card_last4=last4,
    )


def card_of(charge) -> tuple[str, str]:
    """The card's brand and last four digits from a charge object, ("", "") when not known."""
    if not isinstance(charge, dict):
        return "", ""
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return str(card.get("brand") or "")[:20], str(card.get("last4") or "")[:4]


def card_payment_confirm(**kwargs) -> Fulfilment:
    """See `_card_payment_confirm`; logs the outcome with the payment's ids."""
    result = _card_payment_confirm(**kwargs)
    log.info(
        "card_payment_confirm",
        payment_id=kwargs["payment_id"],
        invoice_id=result.payment.invoice_id if result.payment else None,
        outcome=result.outcome,
        payment_intent=kwargs.get("payment_intent_id") or None,
    )
    return result


@transaction.atomic
def _card_payment_confirm(
    *,
    payment_id: int,
    amount_cents: int | None,
    currency: str,
    payment_intent_id: str,
    charge_id: str = "",
    payment_method_id: str = "",
    session_id: str = "",
    card_brand: str = "",
    card_last4: str = "",
) -> Fulfilment:
    """Card money received: check it against what we asked for, then apply it to the invoice
    under the member's lock. A payment already confirmed is never applied again (idempotent);
    an amount or currency that differs activates nothing and is left for staff."""
    member = Payment.objects.select_related("invoice__member").get(pk=payment_id).invoice.member
    membership_lock(member=member)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    ids = {
        key: value
        for key, value in {
            "payment_intent": payment_intent_id,
            "charge": charge_id,
            "payment_method": payment_method_id,
            "checkout_session": session_id,
        }.items()
        if value
    }
    if payment.state in DONE:
        if any(payment.gateway_ids.get(k) != v for k, v in ids.items()):
            payment.gateway_ids = {**payment.gateway_ids, **ids}
            payment.save(update_fields=["gateway_ids"])
        return Fulfilment("already", payment)
    payment.gateway_ids = {**payment.gateway_ids, **ids}
    if card_last4:
        payment.card_brand, payment.card_last4 = card_brand, card_last4
    if amount_cents != payment.amount_cents or (currency or "").lower() != payment.currency:
        detail = _(
            "Stripe reports %(amount)s %(currency)s but %(expected)s USD was due on invoice "
            "%(number)s. Nothing was activated: check the payment in Stripe and refund it or "
            "record it by hand."
        ) % {
            "amount": format_cents(amount_cents or 0),
            "currency": (currency or "?").upper(),
            "expected": format_cents(payment.amount_cents),
            "number": invoice.number,
        }
        payment.note = detail
        payment.save(update_fields=["gateway_ids", "note", "card_brand", "card_last4"])
        return Fulfilment("mismatch", payment, detail)
    today = timezone.localdate()
    payment.state = PaymentState.CONFIRMED
    payment.confirmed_at = timezone.now()
    payment.received_on = today
    installment_paid = payment.installment_id and payment.installment.paid_at is not None
    if invoice.status != InvoiceStatus.OPEN or installment_paid:
        payment.is_overpayment = True
        payment.note = _(
            "Invoice %(number)s was already %(status)s when this card payment arrived: refund it."
        ) % {"number": invoice.number, "status": invoice.get_status_display().lower()}
        payment.save()
        return Fulfilment("overpayment", payment, payment.note)
    payment.save()
    activated = invoice_apply_payment(invoice=invoice, payment=payment, paid_on=today)
    _card_remember(payment=payment, payment_method_id=payment_method_id)
    _scheduled_charge_settle(payment=payment)
    from billing.services.stripe_refunds import payment_refund_state_refresh

    payment_refund_state_refresh(payment=payment)
    return Fulfilment("activated" if activated else "applied", payment)


def _card_remember(*, payment: Payment, payment_method_id: str) -> None:
    """Keep the card the member agreed to save, and their auto-renew choice."""
    if not (payment_method_id and payment.gateway_ids.get("save_card")):
        return
    customer = StripeCustomer.objects.select_for_update().get(member_id=payment.invoice.member_id)
    customer.payment_method_id = payment_method_id
    fields = ["payment_method_id"]
    if payment.gateway_ids.get("auto_renew"):
        customer.auto_renew = True
        customer.auto_renew_changed_at = timezone.now()
        fields += ["auto_renew", "auto_renew_changed_at"]
    customer.save(update_fields=fields)


def _scheduled_charge_settle(*, payment: Payment) -> None:
    """A payment of an invoice that a saved-card charge was waiting for settles that charge."""
    ScheduledCharge.objects.filter(invoice_id=payment.invoice_id, installment__isnull=True).exclude(
        state=ChargeState.PAID
    ).update(state=ChargeState.PAID)
    if payment.installment_id:
        ScheduledCharge.objects.filter(installment_id=payment.installment_id).update(
            state=ChargeState.PAID
        )


@transaction.atomic
def card_payment_close(*, payment_id: int, state: str, note: str) -> bool:
    """A Checkout or charge that ended without money (failed, expired). A confirmed payment is
    never downgraded by a late or out-of-order event."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.state in DONE or payment.state == state:
        return False
    payment.state = state
    payment.note = note
    payment.save(update_fields=["state", "note"])
    log.info(
        "card_payment_closed", payment_id=payment.pk, invoice_id=payment.invoice_id, state=state
    )
    return True
