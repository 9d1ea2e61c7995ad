"""Membership staff doing a member's work: open an account, change the facts, issue a join or
renewal invoice on the member's behalf, correct a term's dates."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.gateways import PaymentError
from billing.models import InvoiceKind
from billing.selectors import (
    REFUSED_NOT_JOINABLE,
    REFUSED_NOT_RENEWABLE,
    REFUSED_OPEN_INVOICE,
    REFUSED_RENEWAL_NOT_OPEN,
    membership_overview,
)
from billing.services.invoices import (
    installment_plan,
    membership_invoice_issue,
    quote_for,
    withheld_discounts,
)
from billing.services.payments import invoice_settle_nothing_owed
from billing.staff_selectors import member_for_staff
from billing.staff_work_forms import (
    StaffInvoiceForm,
    StaffMemberCreateForm,
    StaffMemberForm,
    TermDatesForm,
)
from membership.imports.claim import member_claim_send
from membership.models import Member, MembershipRules, MembershipTerm, TermStatus
from membership.permissions import membership_staff_required
from membership.selectors import membership_status_on
from membership.services.dues import QuoteRefused
from membership.services.lifecycle import term_dates_adjust
from membership.services.staff_members import (
    DuplicateEmail,
    member_create_by_staff,
    member_update_by_staff,
)


def _detail(member, anchor: str = "") -> str:
    return reverse("billing_staff:member_detail", args=[member.member_number]) + anchor


@membership_staff_required
@require_http_methods(["GET", "POST"])
def member_new(request):
    """Open an account for a member by hand: no password until they claim it."""
    form = StaffMemberCreateForm(request.POST or None, instance=Member(country="US"))
    existing = None
    if request.method == "POST":
        if form.is_valid():
            try:
                member = member_create_by_staff(
                    email=form.cleaned_data["email"], created_by=request.user, **form.changes()
                )
            except DuplicateEmail as duplicate:
                existing = duplicate.member
                form.add_error("email", duplicate.message_dict["email"])
            else:
                text = _("%(name)s is a member now, number %(number)s.") % {
                    "name": member.display_name,
                    "number": member.member_number,
                }
                if form.cleaned_data["send_claim"] and member_claim_send(member_id=member.pk):
                    text += " " + _("The claim e-mail is on its way to %(email)s.") % {
                        "email": member.user.email
                    }
                messages.success(request, text)
                return redirect(_detail(member))
        if existing is None:
            existing = form.existing_member
        messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    return render(
        request,
        "billing/staff/member_form.html",
        {"form": form, "creating": True, "existing": existing},
    )


@membership_staff_required
@require_http_methods(["GET", "POST"])
def member_edit(request, member_number: str):
    """Change the member's profile and dues facts; the change is audited and the member's own
    pages say that staff made it."""
    member = member_for_staff(member_number=member_number, user=request.user)
    # The form writes what is typed onto its instance; the page keeps showing the saved name.
    form = StaffMemberForm(request.POST or None, instance=copy.copy(member))
    if request.method == "POST":
        if form.is_valid():
            entry = member_update_by_staff(member=member, changed_by=request.user, **form.changes())
            if entry is None:
                messages.info(request, _("Nothing was changed: the facts are as they were."))
            else:
                messages.success(
                    request,
                    _(
                        "Saved. %(name)s will see on their profile that membership staff "
                        "changed it today."
                    )
                    % {"name": member.display_name},
                )
            return redirect(_detail(member))
        messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    return render(
        request,
        "billing/staff/member_form.html",
        {"form": form, "member": member, "creating": False},
    )


@membership_staff_required
@require_POST
def member_claim(request, member_number: str):
    member = member_for_staff(member_number=member_number, user=request.user)
    if member_claim_send(member_id=member.pk):
        messages.success(
            request,
            _("A link to claim the account is on its way to %(email)s.")
            % {"email": member.user.email},
        )
    else:
        messages.info(
            request,
            _("This account has been signed in to already; the member can reset the password."),
        )
    return redirect(_detail(member, "#messages-h"))


def _refusal_text(code: str, overview) -> str:
    if code == REFUSED_OPEN_INVOICE:
        return _(
            "Invoice %(number)s is still open. Record its payment or cancel it before issuing "
            "another."
        ) % {"number": overview.open_invoice.number}
    if code == REFUSED_RENEWAL_NOT_OPEN:
        return _(
            "The membership runs until %(end)s; renewal opens on %(day)s, %(days)s days "
            "before it ends. Issue the renewal from then."
        ) % {
            "end": date_format(overview.paid_through_on),
            "day": date_format(overview.renewal_opens_on),
            "days": overview.rules.renewal_window_days,
        }
    if code in (REFUSED_NOT_RENEWABLE, REFUSED_NOT_JOINABLE):
        return _("The membership is %(status)s: there is no join or renewal to invoice.") % {
            "status": overview.status_label.lower()
        }
    return code


def _invoice_initial(member, overview) -> dict:
    category = overview.membership.category if overview.membership else None
    return {
        "position": member.position,
        "annual_salary": member.annual_salary_cents,
        "population": member.population,
        "general_fund_budget": member.general_fund_budget_cents,
        "category": category,
        "small_community_attested": member.small_community_attested_on is not None,
        "email_member": True,
    }


@membership_staff_required
@require_http_methods(["GET", "POST"])
def member_invoice(request, member_number: str):
    """Issue the join or renewal invoice the membership calls for, on the member's behalf:
    the member's own form and rules, the quote reviewed before anything is issued."""
    member = member_for_staff(member_number=member_number, user=request.user)
    today = timezone.localdate()
    overview = membership_overview(member=member, on=today, detail=False)
    kind = overview.invoice_kind
    context = {"member": member, "o": overview, "kind": kind}
    if kind is None:
        refusal = overview.issue_refusal(InvoiceKind.RENEWAL) or overview.issue_refusal(
            InvoiceKind.JOIN
        )
        context["refusal"] = _refusal_text(refusal, overview)
        return render(request, "billing/staff/member_invoice.html", context)
    rules = overview.rules
    form = StaffInvoiceForm(
        request.POST or None,
        initial=_invoice_initial(member, overview),
        installment_counts=rules.installment_counts if kind == InvoiceKind.RENEWAL else (),
        installment_categories=rules.installment_categories,
    )
    quote = withheld = None
    plan = []
    action = request.POST.get("action")
    if request.method == "POST" and form.is_valid():
        facts = form.facts()
        category = form.cleaned_data["category"]
        count = form.cleaned_data.get("installments") or 1
        try:
            quote = quote_for(category=category, facts=facts, on=today, staff=True)
        except QuoteRefused as refused:
            for field, errors in refused.errors.items():
                target = {"salary": "annual_salary", "budget": "general_fund_budget"}.get(field)
                form.add_error(target if target in form.fields else None, errors)
        else:
            withheld = withheld_discounts(category=category, facts=facts, quote=quote, on=today)
            if count > 1:
                plan = installment_plan(
                    total_cents=quote.total_cents,
                    count=count,
                    start_on=today,
                    term_months=rules.term_months,
                )
        if quote is not None and action == "confirm":
            try:
                invoice = _issue(request, member, category, facts, kind, today, count, form)
            except (ValidationError, PaymentError) as error:
                form.add_error(None, error)
            else:
                return redirect("billing_staff:invoice_detail", number=invoice.number)
    shown = quote if form.is_bound and not form.errors and action != "edit" else None
    context.update(
        {
            "form": form,
            "quote": shown,
            "withheld": withheld,
            "plan": plan,
            "step": "review" if shown else "facts",
        }
    )
    return render(request, "billing/staff/member_invoice.html", context)


@transaction.atomic
def _issue(request, member, category, facts, kind, today, count, form):
    email_member = bool(form.cleaned_data.get("email_member"))
    invoice = membership_invoice_issue(
        member=member,
        category=category,
        facts=facts,
        kind=kind,
        on=today,
        installment_count=count,
        issued_by=request.user,
        email_member=email_member,
    )
    # As at the member's own checkout, the facts the invoice used become the profile's.
    member_update_by_staff(
        member=member,
        changed_by=request.user,
        position=facts.position,
        annual_salary_cents=facts.salary_cents,
        population=facts.population,
        general_fund_budget_cents=facts.budget_cents,
    )
    if invoice.total_cents == 0:
        # Nothing is owed (Life, say): settled at once, so the term starts today.
        invoice_settle_nothing_owed(invoice=invoice, on=today, recorded_by=request.user)
        text = _("Invoice %(number)s for %(category)s is issued and settled: nothing is owed.")
    elif email_member:
        text = _("Invoice %(number)s for %(category)s is issued and e-mailed to the member.")
    else:
        text = _("Invoice %(number)s for %(category)s is issued; it was not e-mailed.")
    messages.success(request, text % {"number": invoice.number, "category": category.name})
    return invoice


@membership_staff_required
@require_http_methods(["GET", "POST"])
def term_dates(request, member_number: str, term_id: int):
    """Correct a paid term's dates with a reason: reviewed (what the membership becomes)
    before it is saved."""
    member = member_for_staff(member_number=member_number, user=request.user)
    term = get_object_or_404(
        MembershipTerm.objects.select_related("category", "membership"),
        pk=term_id,
        membership__member=member,
    )
    form = TermDatesForm(
        request.POST or None, initial={"start_on": term.start_on, "end_on": term.end_on}
    )
    action = request.POST.get("action")
    preview = None
    today = timezone.localdate()
    if request.method == "POST" and term.status == TermStatus.ACTIVE and form.is_valid():
        data = form.cleaned_data
        adjust = {
            "start_on": data["start_on"],
            "end_on": data["end_on"],
            "reason": data["reason"],
            "by": request.user,
            "on": today,
        }
        try:
            if action == "confirm":
                term_dates_adjust(term=term, **adjust)
            elif action != "edit":
                preview = _preview(term, adjust, today)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            if action == "confirm":
                messages.success(
                    request,
                    _("The term now runs from %(start)s to %(end)s.")
                    % {"start": date_format(data["start_on"]), "end": date_format(data["end_on"])},
                )
                return redirect(_detail(member, "#terms-h"))
    context = {
        "member": member,
        "term": term,
        "form": form,
        "preview": preview if action != "edit" else None,
        "adjustable": term.status == TermStatus.ACTIVE,
    }
    return render(request, "billing/staff/term_dates.html", context)


def _preview(term, adjust: dict, today):
    """The adjustment made and rolled back: what the membership would become, read from the
    same service that will save it (its refusals included)."""
    with transaction.atomic():
        term_dates_adjust(term=term, **adjust)
        membership = type(term.membership).objects.get(pk=term.membership_id)
        preview = {
            "paid_through_on": membership.paid_through_on,
            "member_since_on": membership.member_since_on,
            "status": membership_status_on(
                membership=membership, on=today, rules=MembershipRules.current()
            ),
        }
        transaction.set_rollback(True)
    return preview


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
