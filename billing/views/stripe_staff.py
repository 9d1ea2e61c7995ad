"""Membership staff: a card payment's Stripe ids and event log, refunds, flagged events."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from billing.gateways import PaymentError
from billing.models import EventState, Payment, StripeEvent
from billing.services.stripe_events import stripe_event_resolve
from billing.services.stripe_refunds import card_payment_refund, payment_refunded_cents
from membership.forms import DollarsField
from membership.permissions import membership_staff_required


class RefundForm(forms.Form):
    amount = DollarsField(
        label=gettext_lazy("Amount to refund (USD)"), max_cents=10_000_000_00, required=True
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=gettext_lazy("Kept with the refund and shown to staff; Stripe gets a copy."),
    )
    cancel_term = forms.BooleanField(
        label=gettext_lazy("Also cancel the membership term this payment paid for"),
        required=False,
        template_name="includes/checkbox_field.html",
        help_text=gettext_lazy("Only with a refund of everything that is left."),
    )


def _payment(pk: int) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("invoice__member__user", "invoice__term").prefetch_related(
            "refunds__created_by", "stripe_events"
        ),
        pk=pk,
        gateway="stripe",
    )


@membership_staff_required
@require_http_methods(["GET", "POST"])
def payment_detail(request, pk: int):
    payment = _payment(pk)
    refunded = payment_refunded_cents(payment=payment)
    form = RefundForm(request.POST or None, initial={"amount": payment.amount_cents - refunded})
    if request.method == "POST" and form.is_valid():
        try:
            card_payment_refund(
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
        except PaymentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The refund was sent to Stripe."))
            return redirect("stripe:staff_payment", pk=payment.pk)
    return render(
        request,
        "billing/stripe/staff_payment.html",
        {
            "payment": payment,
            "refunded_cents": refunded,
            "refundable_cents": payment.amount_cents - refunded,
            "events": payment.stripe_events.order_by("received_at", "id"),
            "form": form,
        },
    )


@membership_staff_required
def flagged_events(request):
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
        {"events": events, "show_resolved": show_resolved},
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
