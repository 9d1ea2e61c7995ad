import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from billing.documents import payment_method_label
from billing.gateways import PaymentError
from billing.models import InvoiceStatus, Payment
from billing.services.cheques import cheque_record
from billing.services.invoices import invoice_amount_due
from billing.services.invoices import invoice_cancel as invoice_cancel_service
from billing.services.offline_refunds import offline_payment_refund, offline_refund_refusal
from billing.services.stripe_refunds import payment_refundable_cents
from billing.staff_forms import InvoiceCancelForm, OfflineRefundForm, RecordChequeForm
from billing.staff_selectors import invoice_for_staff
from membership.models import Membership
from membership.money import format_cents
from membership.permissions import invoice_check, membership_staff_required

# Invoices that can take no more money: the form is not offered for them.
CLOSED_INVOICE_STATUSES = (InvoiceStatus.CANCELLED, InvoiceStatus.EXPIRED)


@membership_staff_required
@require_GET
def invoice_detail(request, number: str):
    invoice = invoice_for_staff(number=number, user=request.user)
    lines = list(invoice.lines.all())
    installments = list(invoice.installments.order_by("number"))
    payments = list(
        invoice.payments.select_related("recorded_by", "credit").order_by("created_at", "id")
    )
    for payment in payments:
        payment.method_label = payment_method_label(payment)
    due_cents = _amount_due(invoice, installments)
    context = {
        "invoice": invoice,
        "member": invoice.member,
        "lines": lines,
        "installments": installments,
        "payments": payments,
        "due_cents": due_cents,
        "credit_notes": list(invoice.credit_notes.all()),
    }
    return render(request, "billing/staff/invoice_detail.html", context)


def _amount_due(invoice, installments) -> int:
    if invoice.status != InvoiceStatus.OPEN:
        return 0
    if invoice.installment_count > 1:
        return next((i.amount_cents for i in installments if i.paid_at is None), 0)
    return invoice.balance_cents


@membership_staff_required
@require_http_methods(["GET", "POST"])
def invoice_record_payment(request, number: str):
    invoice = invoice_for_staff(number=number, user=request.user)
    due_cents, installment = invoice_amount_due(invoice)
    initial = {"received_on": timezone.localdate(), "submission_key": uuid.uuid4().hex}
    if invoice.status == InvoiceStatus.OPEN:
        initial["amount"] = due_cents
    form = RecordChequeForm(request.POST or None, initial=initial)
    can_pay = invoice.status not in CLOSED_INVOICE_STATUSES and invoice.group_id is None
    if request.method == "POST" and can_pay and form.is_valid():
        try:
            payment = cheque_record(
                invoice=invoice,
                amount_cents=form.cleaned_data["amount"],
                reference=form.cleaned_data["reference"],
                received_on=form.cleaned_data["received_on"],
                recorded_by=request.user,
                method=form.cleaned_data["method"],
                submission_key=form.cleaned_data["submission_key"] or None,
            )
        except PaymentError as refused:
            form.add_error(None, str(refused))
        else:
            _announce(request, invoice=invoice, payment=payment)
            return redirect("billing_staff:member_detail", invoice.member.member_number)
    context = {
        "invoice": invoice,
        "member": invoice.member,
        "form": form,
        "can_pay": can_pay,
        "due_cents": due_cents,
        "installment": installment,
    }
    return render(request, "billing/staff/invoice_record_payment.html", context)


def _announce(request, *, invoice, payment) -> None:
    invoice.refresh_from_db()
    facts = {
        "reference": payment_method_label(payment),
        "amount": format_cents(payment.amount_cents),
        "number": invoice.number,
        "balance": format_cents(invoice.balance_cents),
    }
    if payment.is_overpayment:
        messages.warning(
            request,
            _(
                "Overpayment: invoice %(number)s was already paid, so %(reference)s for "
                "%(amount)s was kept as a credit and the membership was not extended. Refund "
                "it or apply it to the member's next invoice."
            )
            % facts,
        )
        return
    text = _("%(reference)s for %(amount)s recorded on %(number)s.") % facts
    if invoice.status == InvoiceStatus.OPEN:
        text += (
            " "
            + _("%(balance)s is still due; the membership is extended when it is paid in full.")
            % facts
        )
        messages.success(request, text)
        return
    paid_through_on = (
        Membership.objects.filter(member_id=invoice.member_id)
        .values_list("paid_through_on", flat=True)
        .first()
    )
    if paid_through_on:
        text += " " + _("The membership is paid through %(until)s.") % {
            "until": date_format(paid_through_on, "M j, Y")
        }
    messages.success(request, text)


@membership_staff_required
@require_http_methods(["GET", "POST"])
def invoice_cancel(request, number: str):
    invoice = invoice_for_staff(number=number, user=request.user)
    form = InvoiceCancelForm(request.POST or None)
    can_cancel = invoice.status == InvoiceStatus.OPEN and not invoice.paid_cents
    if request.method == "POST" and form.is_valid():
        try:
            invoice_cancel_service(
                invoice=invoice, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("Invoice %(number)s is cancelled, with the membership term waiting for it.")
                % {"number": invoice.number},
            )
            return redirect("billing_staff:member_detail", invoice.member.member_number)
    context = {"invoice": invoice, "member": invoice.member, "form": form, "can_cancel": can_cancel}
    return render(request, "billing/staff/invoice_cancel.html", context)


@membership_staff_required
@require_http_methods(["GET", "POST"])
def payment_refund(request, pk: int):
    """Record money ICMA gave back on a cheque or bank transfer, with a reason."""
    payment = get_object_or_404(
        Payment.objects.select_related("invoice__member__user", "invoice__term").prefetch_related(
            "refunds__created_by"
        ),
        pk=pk,
        gateway="offline",
    )
    invoice_check(user=request.user, invoice=payment.invoice)
    refundable = payment_refundable_cents(payment=payment)
    refusal = offline_refund_refusal(payment)
    form = OfflineRefundForm(request.POST or None, initial={"amount": refundable})
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            refund = offline_payment_refund(
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
            text = _("The refund of %(amount)s is recorded.") % {
                "amount": format_cents(refund.amount_cents)
            }
            if refund.term_cancelled:
                text += " " + _("The term it paid for is cancelled.")
            messages.success(request, text)
            return redirect("billing_staff:invoice_detail", payment.invoice.number)
    return render(
        request,
        "billing/staff/payment_refund.html",
        {
            "payment": payment,
            "invoice": payment.invoice,
            "method": payment_method_label(payment),
            "refundable_cents": refundable,
            "refusal": refusal,
            "form": form,
        },
    )
