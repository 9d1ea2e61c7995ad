"""Card payment pages (pay, success, cancel, auto-renew) and Stripe's webhook endpoint."""

import logging
import re

import structlog
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billing.gateways import PaymentError
from billing.gateways import stripe as gateway
from billing.models import InvoiceStatus, Payment, PaymentState
from billing.selectors import invoice_visible_to
from billing.services.invoices import invoice_amount_due
from billing.services.stripe_charges import auto_renew_set
from billing.services.stripe_checkout import card_checkout_start, checkout_fulfil
from billing.services.stripe_events import MalformedEvent, stripe_event_store
from membership.selectors import member_for_user

logger = logging.getLogger(__name__)
STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
log = structlog.get_logger(__name__)


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, number: str):
    """Pay what is due on an open invoice by card (also the link in the e-mail a member gets
    when their bank asks them to confirm an automatic charge)."""
    invoice = invoice_visible_to(user=request.user, number=number)
    if invoice.member.user_id != request.user.pk:
        messages.error(request, _("Only the member can pay their invoice by card."))
        return redirect("billing:invoice", number=number)
    if invoice.status != InvoiceStatus.OPEN:
        messages.info(request, _("Invoice %(n)s is already settled.") % {"n": number})
        return redirect("billing:invoice", number=number)
    if not gateway.stripe_configured():
        messages.error(request, gateway.StripeProvider().disabled_reason())
        return redirect("billing:invoice", number=number)
    due_cents, installment = invoice_amount_due(invoice)
    if request.method == "POST":
        try:
            url = card_checkout_start(
                invoice=invoice,
                auto_renew=request.POST.get("auto_renew") == "on",
                request=request,
            )
        except PaymentError as error:
            messages.error(request, str(error))
        else:
            return redirect(url)
    return render(
        request,
        "billing/stripe/pay.html",
        {"invoice": invoice, "due_cents": due_cents, "installment": installment},
    )


@login_required
def success(request):
    """Stripe sends the member here after paying. The same fulfilment as the webhook runs, so
    the page shows the membership as active even if the webhook has not arrived yet."""
    session_id = request.GET.get("session_id", "")
    payment = None
    result = None
    # Stripe's ids are short and plain; anything else (a NUL, which PostgreSQL refuses in text,
    # or a page's worth of text) cannot name a session of ours.
    if session_id and STRIPE_ID.fullmatch(session_id):
        payment = (
            Payment.objects.select_related("invoice__member")
            .filter(gateway="stripe", gateway_ids__checkout_session=session_id)
            .first()
        )
    if payment is None or payment.invoice.member.user_id != request.user.pk:
        return render(request, "billing/stripe/success.html", {"payment": None}, status=404)
    try:
        result = checkout_fulfil(session_id=session_id)
    except PaymentError as error:
        logger.warning("Success page could not confirm session %s: %s", session_id, error)
    payment.refresh_from_db()
    return render(
        request,
        "billing/stripe/success.html",
        {
            "payment": payment,
            "invoice": payment.invoice,
            "confirmed": payment.state in (PaymentState.CONFIRMED, PaymentState.REFUNDED),
            "outcome": result.outcome if result else "",
        },
    )


@login_required
def cancel(request, number: str):
    invoice = invoice_visible_to(user=request.user, number=number)
    return render(request, "billing/stripe/cancel.html", {"invoice": invoice})


@login_required
@require_POST
def auto_renew(request):
    member = member_for_user(user=request.user)
    switch_on = request.POST.get("auto_renew") == "on"
    try:
        auto_renew_set(member=member, on=switch_on)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Automatic renewal is on: we will e-mail you a week before each charge.")
            if switch_on
            else _("Automatic renewal is off. We will remind you to renew before your term ends."),
        )
    return redirect("billing:dashboard")


@csrf_exempt  # Stripe cannot send a CSRF token; the signature authenticates the request.
@require_POST
def webhook(request):
    """Verify, store, answer: the least a request can do. Workers drain stored events in
    batches (billing.tasks.drain_stripe_events); nothing is published per event. The URL takes
    the lean way through the server (config/wsgi.py, LEAN_PATHS): none of the middleware that
    pages need (sessions, CSRF, users) runs for it."""
    body = request.body
    try:
        event = gateway.webhook_event_verify(
            payload=body,
            signature=request.headers.get("Stripe-Signature", ""),
            secret=settings.STRIPE_WEBHOOK_SECRET,
        )
    except gateway.WebhookRejected as error:
        logger.warning("Stripe webhook rejected: %s", error)
        return HttpResponseBadRequest(_("Invalid Stripe webhook: %(e)s") % {"e": error})
    try:
        pk = stripe_event_store(event=event, body=body)
    except MalformedEvent as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest(_("Invalid Stripe webhook: %(e)s") % {"e": error})
    except DatabaseError:
        # Only the database being away gets here: Stripe retries, and the redelivery is new.
        logger.exception("Stripe webhook could not be stored")
        return HttpResponse(_("Try again shortly."), status=503, content_type="text/plain")
    log.info(
        "stripe_webhook_accepted",
        stripe_event_id=event["id"],
        event_type=event["type"],
        event_pk=pk,
        duplicate=pk is None,
    )
    return JsonResponse({"received": True, "duplicate": pk is None, "id": event["id"]})
