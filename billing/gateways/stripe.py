"""The boundary with Stripe: the only module that imports `stripe`.

Everything that leaves here is a plain dict or a small dataclass; every Stripe error becomes
`PaymentError` (with a message that says what to do next); for refunds, a call that got no
definite answer raises `PaymentOutcomeUnknown` instead. Every call that creates something
carries an idempotency key derived from one of our rows, so a retried task never charges twice.
"""

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.gateways.base import BasePaymentProvider, PaymentError, PaymentOutcomeUnknown

# The one place the Stripe API version is chosen; upgrading it is a deliberate change, tested
# against the webhook payloads in tests/fixtures/stripe/.
API_VERSION = "2026-10-28.endive"
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe's own answer when a saved card needs the cardholder to confirm (3-D Secure).
AUTHENTICATION_REQUIRED = "authentication_required"


class WebhookRejected(ValueError):
    """The body was not signed by Stripe with our secret, too old, or not JSON."""


def stripe_configured() -> bool:
    return bool(
        settings.STRIPE_SECRET_KEY
        and settings.STRIPE_PUBLISHABLE_KEY
        and settings.STRIPE_WEBHOOK_SECRET
    )


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentError(_("Card payments are not configured: set STRIPE_SECRET_KEY."))
    # STRIPE_API_BASE points the SDK at a fake Stripe in tests; production leaves it unset.
    base = getattr(settings, "STRIPE_API_BASE", "") or None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=API_VERSION,
        base_addresses={"api": base} if base else None,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _plain(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _payment_error(error: stripe.StripeError) -> PaymentError:
    message = getattr(error, "user_message", None) or str(error) or error.__class__.__name__
    failure = PaymentError(
        _("Stripe refused the request: %(message)s Try again, or pay by invoice / cheque.")
        % {"message": message}
    )
    failure.code = getattr(error, "code", None) or ""
    return failure


# --- Webhooks ----------------------------------------------------------------------------


def webhook_event_verify(*, payload: bytes, signature: str, secret: str) -> dict:
    """The event in a webhook body, if Stripe signed it with `secret` in the last 5 minutes.
    Without a secret nothing is accepted (an empty key would let anyone sign)."""
    if not secret:
        raise WebhookRejected("No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
        raise WebhookRejected(str(error)) from error
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRejected("The body is not a Stripe event.")
    return event


# --- Customers and Checkout --------------------------------------------------------------


def customer_create(*, member_id: int, email: str, name: str, idempotency_key: str) -> str:
    try:
        customer = _client().v1.customers.create(
            params={"email": email, "name": name, "metadata": {"member_id": str(member_id)}},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _payment_error(error) from error
    return customer.id


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: int
    invoice_id: int
    invoice_number: str
    member_id: int
    customer_id: str
    line_items: list[tuple[str, int]]  # (label, cents)
    save_card: bool
    success_url: str
    cancel_url: str


def checkout_session_params(request: CheckoutRequest) -> dict:
    metadata = {
        "payment_id": str(request.payment_id),
        "invoice_id": str(request.invoice_id),
        "invoice_number": request.invoice_number,
        "member_id": str(request.member_id),
    }
    params = {
        "mode": "payment",
        "currency": "usd",
        "customer": request.customer_id,
        "client_reference_id": f"member-{request.member_id}-invoice-{request.invoice_id}",
        "metadata": metadata,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "usd",
                    "unit_amount": cents,
                    "product_data": {"name": label[:250]},
                },
            }
            for label, cents in request.line_items
        ],
        "payment_intent_data": {"metadata": metadata},
        "success_url": request.success_url + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": request.cancel_url,
    }
    if request.save_card:
        params["payment_intent_data"]["setup_future_usage"] = "off_session"
    return params


def checkout_session_create(request: CheckoutRequest) -> dict:
    try:
        session = _client().v1.checkout.sessions.create(
            params=checkout_session_params(request),
            options={"idempotency_key": f"payment-{request.payment_id}"},
        )
    except stripe.StripeError as error:
        raise _payment_error(error) from error
    return {"id": session.id, "url": session.url}


def checkout_session_retrieve(session_id: str) -> dict:
    """The session as Stripe has it now, with its PaymentIntent and that intent's charge
    expanded (the charge names the card: brand and last four digits)."""
    try:
        session = _client().v1.checkout.sessions.retrieve(
            session_id, params={"expand": ["payment_intent", "payment_intent.latest_charge"]}
        )
    except stripe.StripeError as error:
        raise _payment_error(error) from error
    return _plain(session)


def checkout_session_expire(session_id: str) -> bool:
    """Close an open Checkout Session so it can no longer take money. False when Stripe says it
    is not open any more (paid or expired already): then its outcome arrives as an event."""
    try:
        _client().v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError:
        return False
    except stripe.StripeError as error:
        raise _payment_error(error) from error
    return True


# --- Off-session charges and refunds -----------------------------------------------------


@dataclass(frozen=True)
class ChargeOutcome:
    status: str  # "succeeded", "processing", "declined", "authentication_required"
    payment_intent_id: str = ""
    charge_id: str = ""
    message: str = ""
    card_brand: str = ""
    card_last4: str = ""


def payment_intent_charge_off_session(
    *,
    payment_id: int,
    customer_id: str,
    payment_method_id: str,
    amount_cents: int,
    metadata: dict,
) -> ChargeOutcome:
    """Charge a saved card without the member present. A decline is an outcome, not an error;
    only a failure to reach Stripe raises `PaymentError` (the task then tries again)."""
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": amount_cents,
                "currency": "usd",
                "customer": customer_id,
                "payment_method": payment_method_id,
                "off_session": True,
                "confirm": True,
                "metadata": {**metadata, "payment_id": str(payment_id)},
            },
            options={"idempotency_key": f"payment-{payment_id}"},
        )
    except stripe.CardError as error:
        intent_data = (error.json_body or {}).get("error", {}).get("payment_intent") or {}
        code = getattr(error, "code", "") or ""
        return ChargeOutcome(
            status=AUTHENTICATION_REQUIRED if code == AUTHENTICATION_REQUIRED else "declined",
            payment_intent_id=intent_data.get("id", ""),
            charge_id=(error.json_body or {}).get("error", {}).get("charge", "") or "",
            message=getattr(error, "user_message", None) or str(error),
        )
    except stripe.StripeError as error:
        raise _payment_error(error) from error
    intent = _plain(intent)
    # Stripe answers `authentication_required` with a 402 for off-session charges; a server
    # that leaves the intent in `requires_action` means the same thing.
    if intent["status"] == "requires_action":
        return ChargeOutcome(status=AUTHENTICATION_REQUIRED, payment_intent_id=intent["id"])
    if intent["status"] in ("succeeded", "processing"):
        charge = intent.get("latest_charge")
        charge_id = charge if isinstance(charge, str) else (charge or {}).get("id", "")
        brand, last4 = _card_brand_last4(payment_method_id)
        return ChargeOutcome(
            status=intent["status"],
            payment_intent_id=intent["id"],
            charge_id=charge_id,
            card_brand=brand,
            card_last4=last4,
        )
    return ChargeOutcome(
        status="declined", payment_intent_id=intent["id"], message=intent["status"]
    )


def _card_brand_last4(payment_method_id: str) -> tuple[str, str]:
    """The saved card's brand and last four digits, for the receipt ("Visa ending 4242"); the
    money is already taken, so a failure here only leaves the receipt saying "Card"."""
    try:
        method = _plain(_client().v1.payment_methods.retrieve(payment_method_id))
    except stripe.StripeError:
        return "", ""
    card = method.get("card") or {}
    return str(card.get("brand") or "")[:20], str(card.get("last4") or "")[:4]


def _outcome_unknown(error: stripe.StripeError) -> bool:
    """True when Stripe may have carried out the request even though we got an error: no
    answer at all (timeout, lost connection), a server error, or a clash on the idempotency key
    (a request with that key was made before)."""
    if isinstance(error, (stripe.APIConnectionError, stripe.IdempotencyError)):
        return True
    status = getattr(error, "http_status", None)
    return status is None or status >= 500 or status in (409, 429)


def _refund_error(error: stripe.StripeError) -> PaymentError:
    message = getattr(error, "user_message", None) or str(error) or error.__class__.__name__
    if _outcome_unknown(error):
        failure = PaymentOutcomeUnknown(
            _("No definite answer from Stripe: %(message)s") % {"message": message}
        )
    else:
        failure = PaymentError(_("Stripe refused the refund: %(message)s") % {"message": message})
    failure.code = getattr(error, "code", None) or ""
    return failure


def refund_find(*, payment_intent_id: str, refund_id: int) -> dict | None:
    """The refund Stripe holds for our refund row `refund_id` (by its metadata), if any."""
    try:
        page = _client().v1.refunds.list(params={"payment_intent": payment_intent_id, "limit": 100})
        for item in page.auto_paging_iter():
            found = _plain(item)
            if (found.get("metadata") or {}).get("refund_id") == str(refund_id):
                return found
    except stripe.StripeError as error:
        raise _refund_error(error) from error
    return None


def refund_create(
    *, payment_intent_id: str, amount_cents: int, refund_id: int, reason: str
) -> dict:
    try:
        refund = _client().v1.refunds.create(
            params={
                "payment_intent": payment_intent_id,
                "amount": amount_cents,
                "metadata": {"refund_id": str(refund_id), "reason": reason[:500]},
            },
            options={"idempotency_key": f"refund-{refund_id}"},
        )
    except stripe.StripeError as error:
        raise _refund_error(error) from error
    return _plain(refund)


def events_since(*, since: dt.datetime) -> Iterator[dict]:
    """Every event Stripe still has from `since` on (Stripe keeps 30 days), oldest last."""
    try:
        page = _client().v1.events.list(
            params={"created": {"gte": int(since.timestamp())}, "limit": 100}
        )
        for event in page.auto_paging_iter():
            yield _plain(event)
    except stripe.StripeError as error:
        raise _payment_error(error) from error


# --- The provider offered on the join and renew pages -------------------------------------


class StripeProvider(BasePaymentProvider):
    identifier = "stripe"
    verbose_name = gettext_lazy("Card")
    description = gettext_lazy(
        "Pay now by credit or debit card on Stripe's secure page; your membership starts as "
        "soon as the payment goes through."
    )

    def is_enabled(self) -> bool:
        return stripe_configured()

    def disabled_reason(self) -> str:
        return _(
            "Card payment is not offered at the moment because online card payments are not "
            "set up on this portal. Choose invoice / cheque, or write to membership@icma.org."
        )

    def execute_payment(self, *, request, payment) -> str | None:
        """Open a Checkout Session for `payment` (its invoice and member already locked in by
        the caller) and return the address of Stripe's page."""
        invoice = payment.invoice
        if payment.installment_id:
            lines = [
                (
                    _("Installment %(n)s of %(count)s, invoice %(number)s")
                    % {
                        "n": payment.installment.number,
                        "count": invoice.installment_count,
                        "number": invoice.number,
                    },
                    payment.amount_cents,
                )
            ]
        else:
            lines = [(line.label, line.amount_cents) for line in invoice.lines.all()]
            if sum(cents for _label, cents in lines) != payment.amount_cents or any(
                cents <= 0 for _label, cents in lines
            ):
                # Discount lines are negative: Checkout takes one line for the invoice total.
                lines = [
                    (
                        _("ICMA membership dues, invoice %(number)s") % {"number": invoice.number},
                        payment.amount_cents,
                    )
                ]
        site = request.build_absolute_uri("/").rstrip("/") if request else settings.SITE_URL
        session = checkout_session_create(
            CheckoutRequest(
                payment_id=payment.pk,
                invoice_id=invoice.pk,
                invoice_number=invoice.number,
                member_id=invoice.member_id,
                customer_id=payment.gateway_ids["customer"],
                line_items=lines,
                save_card=bool(payment.gateway_ids.get("save_card")),
                success_url=site + reverse("stripe:success"),
                cancel_url=site + reverse("stripe:cancel", args=[invoice.number]),
            )
        )
        payment.gateway_ids = {**payment.gateway_ids, "checkout_session": session["id"]}
        payment.save(update_fields=["gateway_ids"])
        return session["url"]

    def execute_refund(self, refund) -> dict:
        """Refund `refund` (a committed row) on its payment's PaymentIntent, once however often
        this is called for the same row. Stripe's idempotency key (`refund-<id>`) covers 24
        hours and fakes such as localstripe ignore it, so this first looks for a refund whose
        metadata names the row and returns that one instead of making another. It looks on the
        first call too: a process stopped mid-call records nothing, so a retry cannot always be
        told from a first attempt."""
        intent = refund.payment.gateway_ids.get("payment_intent")
        if not intent:
            raise PaymentError(
                _("This card payment has no Stripe PaymentIntent recorded; refund it in Stripe.")
            )
        made = refund_find(payment_intent_id=intent, refund_id=refund.pk)
        if made is not None:
            return made
        return refund_create(
            payment_intent_id=intent,
            amount_cents=refund.amount_cents,
            refund_id=refund.pk,
            reason=refund.reason,
        )
