"""Membership staff: a card payment's Stripe ids and event log, refunds, flagged events."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.models import EventState, Payment, Refund, RefundState, StripeEvent
from billing.services.stripe_events import stripe_event_resolve, stripe_events_waiting
from billing.services.stripe_refunds import (
    card_payment_refund,
    card_refund_retry,
    payment_pending_refund,
    payment_refundable_cents,
    payment_refunded_cents,
)
from billing.staff_forms import PaymentRefundForm
from membership.money import format_cents
from membership.permissions import invoice_check, membership_staff_required


def _payment(pk: int) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("invoice__member__user", "invoice__term").prefetch_related(
            "refunds__created_by", "stripe_events"
        ),
        pk=pk,
        gateway="stripe",
    )


def _refund_outcome_message(request, refund: Refund) -> None:
    """Tell staff what came of a refund attempt and what to do next."""
    facts = {"amount": format_cents(refund.amount_cents), "error": refund.error}
    if refund.state == RefundState.SUCCEEDED:
        messages.success(
            request,
            _(
                "The refund of %(amount)s went through at Stripe (%(id)s); the money goes back "
                "to the member's card within a few days."
            )
            % {**facts, "id": refund.stripe_refund_id},
        )
    elif refund.state == RefundState.FAILED:
        messages.error(
            request,
            _(
                "The refund of %(amount)s did not go through and nothing was refunded. %(error)s "
                "Check the payment in Stripe's dashboard, then refund again if money is still owed."
            )
            % facts,
        )
    else:
        messages.warning(
            request,
            _(
                "Stripe did not give a definite answer, so we do not know whether the refund went "
                "through (%(error)s). The %(amount)s stay reserved. Press “Retry refund” below: "
                "the retry asks Stripe first and refunds only if the refund was not made, so the "
                "member is never refunded twice."
            )
            % facts,
        )


@membership_staff_required
@require_http_methods(["GET", "POST"])
def payment_detail(request, pk: int):
    payment = _payment(pk)
    invoice_check(user=request.user, invoice=payment.invoice)
    refundable = payment_refundable_cents(payment=payment)
    form = PaymentRefundForm(request.POST or None, initial={"amount": refundable})
    if request.method == "POST" and form.is_valid():
        try:
            refund = card_payment_refund(
                payment=payment,
                amount_cents=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                cancel_term=form.cleaned_data["cancel_term"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            _refund_outcome_message(request, refund)
            return redirect("stripe:staff_payment", pk=payment.pk)
    return render(
        request,
        "billing/stripe/staff_payment.html",
        {
            "payment": payment,
            "refunded_cents": payment_refunded_cents(payment=payment),
            "refundable_cents": refundable,
            "pending_refund": payment_pending_refund(payment=payment),
            "events": payment.stripe_events.order_by("received_at", "id"),
            "form": form,
        },
    )


@membership_staff_required
@require_POST
def refund_retry(request, pk: int):
    """Staff retry a refund whose outcome is unknown; the same row is used again."""
    refund = get_object_or_404(Refund, pk=pk, payment__gateway="stripe")
    try:
        refund = card_refund_retry(refund=refund)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _refund_outcome_message(request, refund)
    return redirect("stripe:staff_payment", pk=refund.payment_id)


@membership_staff_required
def flagged_events(request):
    """Events for a person, and a line on those still being worked on by the machines."""
    show_resolved = request.GET.get("resolved") == "1"
    events = StripeEvent.objects.filter(state__in=[EventState.FLAGGED, EventState.FAILED])
    if not show_resolved:
        events = events.filter(resolved_at__isnull=True)
    events = events.select_related("payment__invoice__member", "resolved_by").order_by(
        "-received_at"
    )[:200]
    return render(
        request,
        "billing/stripe/staff_flagged.html",
        {
            "events": events,
            "show_resolved": show_resolved,
            "waiting": stripe_events_waiting(),
        },
    )


@membership_staff_required
@require_POST
def event_resolve(request, pk: int):
    event = get_object_or_404(StripeEvent, pk=pk)
    stripe_event_resolve(event=event, by=request.user)
    messages.success(request, _("Event %(id)s marked as dealt with.") % {"id": event.stripe_id})
    return redirect("stripe:staff_flagged")


@membership_staff_required
def event_detail(request, pk: int):
    event = get_object_or_404(StripeEvent.objects.select_related("payment__invoice"), pk=pk)
    return render(request, "billing/stripe/staff_event.html", {"event": event})
