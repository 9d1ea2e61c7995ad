"""Employer billing for membership staff: consolidated invoices, the employer's payments and
purchase orders, credits, and credit notes on a member's invoice."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.documents import group_document_context, group_invoice_pdf
from billing.employer_forms import GroupInvoiceForm
from billing.gateways import PaymentError
from billing.models import Credit, GroupInvoice, GroupInvoiceStatus, Invoice
from billing.services.credits import (
    credit_apply,
    credit_note_issue,
    credit_refund_record,
    purchase_order_record,
)
from billing.services.employer import group_invoice_issue, group_payment_record
from billing.services.notices import employer_invoice_send
from billing.staff_forms import (
    CreditApplyForm,
    CreditNoteForm,
    CreditRefundForm,
    PurchaseOrderForm,
    RecordChequeForm,
)
from billing.staff_selectors import invoice_for_staff
from membership.models import Member
from membership.money import format_cents
from membership.permissions import membership_staff_required

# The most members one employer search offers to tick.
CANDIDATES_SHOWN = 200


def _group(number: str) -> GroupInvoice:
    return get_object_or_404(GroupInvoice, number=number)


@membership_staff_required
@require_GET
def group_list(request):
    groups = list(GroupInvoice.objects.all()[:100])
    return render(request, "billing/staff/group_list.html", {"groups": groups})


@membership_staff_required
@require_http_methods(["GET", "POST"])
def group_new(request):
    data = request.POST if request.method == "POST" else None
    employer = (request.POST.get("employer") or request.GET.get("employer") or "").strip()
    candidates = None
    if employer:
        shown = Member.objects.filter(employer__icontains=employer).order_by("full_name", "pk")
        candidates = Member.objects.filter(
            pk__in=list(shown.values_list("pk", flat=True)[:CANDIDATES_SHOWN])
        ).order_by("full_name", "pk")
    initial = {
        "employer": employer,
        "submission_key": uuid.uuid4().hex,
    }
    if employer and candidates is not None:
        first = candidates.first()
        if first is not None:
            initial["bill_to_organisation"] = first.employer
    form = GroupInvoiceForm(data, initial=initial, candidates=candidates)
    if request.method == "POST" and request.POST.get("action") == "issue" and form.is_valid():
        data = form.cleaned_data
        try:
            group = group_invoice_issue(
                members=data["members"],
                bill_to_organisation=data["bill_to_organisation"],
                bill_to_address=data["bill_to_address"],
                bill_to_email=data["bill_to_email"],
                purchase_order_number=data["purchase_order_number"],
                on=timezone.localdate(),
                issued_by=request.user,
                submission_key=data["submission_key"] or None,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("Consolidated invoice %(number)s issued: %(total)s for %(count)s members.")
                % {
                    "number": group.number,
                    "total": format_cents(group.total_cents),
                    "count": group.sections.count(),
                },
            )
            return redirect("billing_staff:group_detail", group.number)
    elif request.method == "POST":
        # "Find members" posts back to show the candidates; no errors until "issue".
        form = GroupInvoiceForm(initial=initial, candidates=candidates)
    return render(
        request,
        "billing/staff/group_new.html",
        {"form": form, "employer": employer, "has_candidates": candidates is not None},
    )


@membership_staff_required
@require_GET
def group_detail(request, number: str):
    group = _group(number)
    context = group_document_context(group)
    context["credits"] = list(group.credits.all())
    context["staff_view"] = True
    return render(request, "billing/group_invoice.html", context)


@membership_staff_required
@require_GET
def group_pdf(request, number: str):
    group = _group(number)
    response = HttpResponse(group_invoice_pdf(group), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invoice-{group.number}.pdf"'
    return response


@membership_staff_required
@require_http_methods(["GET", "POST"])
def group_record_payment(request, number: str):
    group = _group(number)
    initial = {
        "received_on": timezone.localdate(),
        "method": "bank_transfer",
        "submission_key": uuid.uuid4().hex,
    }
    if group.status == GroupInvoiceStatus.OPEN:
        initial["amount"] = group.balance_cents
    form = RecordChequeForm(request.POST or None, initial=initial)
    can_pay = group.status != GroupInvoiceStatus.CANCELLED
    if request.method == "POST" and can_pay and form.is_valid():
        data = form.cleaned_data
        try:
            payment = group_payment_record(
                group=group,
                amount_cents=data["amount"],
                method=data["method"],
                reference=data["reference"],
                received_on=data["received_on"],
                recorded_by=request.user,
                submission_key=data["submission_key"] or None,
            )
        except PaymentError as refused:
            form.add_error(None, str(refused))
        else:
            _announce(request, group=group, payment=payment)
            return redirect("billing_staff:group_detail", group.number)
    return render(
        request,
        "billing/staff/group_record_payment.html",
        {"group": group, "form": form, "can_pay": can_pay},
    )


def _announce(request, *, group, payment) -> None:
    group.refresh_from_db()
    facts = {
        "amount": format_cents(payment.amount_cents),
        "credit": format_cents(payment.credit_cents),
        "balance": format_cents(group.balance_cents),
        "number": group.number,
    }
    if payment.applied_cents == 0:
        messages.warning(
            request,
            _(
                "%(number)s was already paid: %(amount)s was kept as the employer's credit and no "
                "membership was extended. Refund it or apply it to a later invoice."
            )
            % facts,
        )
    elif group.status == GroupInvoiceStatus.PAID:
        text = _("%(number)s is paid: every member's membership is extended.") % facts
        if payment.credit_cents:
            text += " " + _("%(credit)s beyond the total is kept as a credit.") % facts
        messages.success(request, text)
    else:
        messages.success(
            request,
            _(
                "%(amount)s recorded on %(number)s; %(balance)s is still due. Memberships are "
                "extended when the invoice is paid in full."
            )
            % facts,
        )


@membership_staff_required
@require_http_methods(["GET", "POST"])
def group_purchase_order(request, number: str):
    group = _group(number)
    return _purchase_order(request, document=group, back=("billing_staff:group_detail", number))


@membership_staff_required
@require_http_methods(["GET", "POST"])
def invoice_purchase_order(request, number: str):
    invoice = invoice_for_staff(number=number, user=request.user)
    if invoice.group_id:
        raise Http404
    return _purchase_order(request, document=invoice, back=("billing_staff:invoice_detail", number))


def _purchase_order(request, *, document, back):
    initial = {
        "number": document.purchase_order_number,
        "received_on": timezone.localdate(),
    }
    form = PurchaseOrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            purchase_order_record(
                document=document,
                number=form.cleaned_data["number"],
                received_on=form.cleaned_data["received_on"],
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("Purchase order %(po)s noted on %(number)s; the invoice stays open until paid.")
                % {"po": form.cleaned_data["number"], "number": document.number},
            )
            return redirect(*back)
    return render(
        request,
        "billing/staff/purchase_order.html",
        {"document": document, "form": form, "back": back},
    )


@membership_staff_required
@require_POST
def group_send(request, number: str):
    group = _group(number)
    try:
        employer_invoice_send(document=group, by=request.user, pdf=group_invoice_pdf(group))
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            _("%(number)s with its PDF is on its way to %(email)s.")
            % {"number": group.number, "email": group.bill_to_email},
        )
    return redirect("billing_staff:group_detail", group.number)


@membership_staff_required
@require_http_methods(["GET", "POST"])
def invoice_credit_note(request, number: str):
    invoice = invoice_for_staff(number=number, user=request.user)
    form = CreditNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = credit_note_issue(
                invoice=invoice,
                amount_cents=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("Credit note %(cn)s issued: %(number)s now asks for %(balance)s.")
                % {
                    "cn": note.number,
                    "number": invoice.number,
                    "balance": format_cents(note.invoice.balance_cents),
                },
            )
            return redirect("billing_staff:invoice_detail", invoice.number)
    return render(
        request,
        "billing/staff/credit_note_new.html",
        {"invoice": invoice, "member": invoice.member, "form": form},
    )


@membership_staff_required
@require_GET
def credit_list(request):
    credits = list(
        Credit.objects.select_related("member", "group", "source_payment__invoice").order_by(
            "-created_at", "-id"
        )[:200]
    )
    return render(request, "billing/staff/credit_list.html", {"credits": credits})


@membership_staff_required
@require_http_methods(["GET", "POST"])
def credit_detail(request, pk: int):
    credit = get_object_or_404(
        Credit.objects.select_related("member", "group", "source_payment__invoice"), pk=pk
    )
    action = request.POST.get("action")
    apply_form = CreditApplyForm(request.POST if action == "apply" else None)
    refund_form = CreditRefundForm(request.POST if action == "refund" else None)
    if request.method == "POST" and action == "apply" and apply_form.is_valid():
        invoice = Invoice.objects.filter(number=apply_form.cleaned_data["invoice_number"]).first()
        try:
            if invoice is None:
                raise ValidationError(_("No invoice has that number."))
            payment = credit_apply(credit=credit, invoice=invoice, by=request.user)
        except ValidationError as refused:
            apply_form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("%(amount)s of the credit applied to %(number)s.")
                % {"amount": format_cents(payment.amount_cents), "number": invoice.number},
            )
            return redirect("billing_staff:credit_detail", credit.pk)
    if request.method == "POST" and action == "refund" and refund_form.is_valid():
        try:
            credit_refund_record(credit=credit, by=request.user, **refund_form.cleaned_data)
        except ValidationError as refused:
            refund_form.add_error(None, refused)
        else:
            messages.success(request, _("The refund is recorded; nothing is left of the credit."))
            return redirect("billing_staff:credit_detail", credit.pk)
    return render(
        request,
        "billing/staff/credit_detail.html",
        {"credit": credit, "apply_form": apply_form, "refund_form": refund_form},
    )
