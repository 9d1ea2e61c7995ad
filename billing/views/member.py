"""Member pages: the membership dashboard, join and renew, invoices and receipts, waivers."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.documents import (
    credit_note_context,
    credit_note_pdf,
    document_context,
    invoice_pdf,
    receipt_pdf,
)
from billing.forms import MembershipCheckoutForm, WaiverRequestForm
from billing.invoice_forms import BillToForm
from billing.models import InvoiceKind, InvoiceStatus
from billing.selectors import (
    credit_note_visible_to,
    invoice_visible_to,
    member_for_dashboard,
    membership_overview,
)
from billing.services.bill_to import invoice_bill_to_update
from billing.services.invoices import (
    installment_plan,
    membership_invoice_issue,
    quote_for,
    withheld_discounts,
)
from billing.services.notices import employer_invoice_send
from membership.models import MembershipRules, WaiverRequest, WaiverStatus
from membership.page_cache import member_page
from membership.selectors import (
    member_for_user,
    staff_change_from_column,
    waiver_from_column,
)
from membership.services.dues import QuoteRefused
from membership.services.lifecycle import waiver_request
from membership.services.members import member_update_profile

STAFF_CHANGE_NOTICE_FOR = dt.timedelta(days=30)


@login_required
@member_page
def dashboard(request):
    member = member_for_dashboard(user=request.user)
    rules = MembershipRules.from_column(member.rules_row)
    overview = membership_overview(member=member, on=timezone.localdate(), rules=rules)
    waiver = waiver_from_column(member.waiver_row)
    # A change staff made lately is announced here too; the profile page always shows it.
    staff_change = staff_change_from_column(member.staff_change_row)
    if staff_change and timezone.now() - staff_change.at > STAFF_CHANGE_NOTICE_FOR:
        staff_change = None
    context = {"o": overview, "waiver": waiver, "staff_change": staff_change}
    return render(request, "billing/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def join(request):
    return _checkout(request, kind=InvoiceKind.JOIN)


@login_required
@require_http_methods(["GET", "POST"])
def renew(request):
    return _checkout(request, kind=InvoiceKind.RENEWAL)


def _checkout(request, *, kind: str):
    """Step 1: the form (prefilled from the profile). Step 2 (`review`): the quote, explained.
    Step 3 (`confirm`): the invoice is issued with the quote frozen on it."""
    member = member_for_user(user=request.user)
    today = timezone.localdate()
    overview = membership_overview(member=member, on=today)
    allowed = overview.can_renew if kind == InvoiceKind.RENEWAL else overview.can_join
    if not allowed:
        if overview.open_invoice is not None:
            messages.info(
                request, _("You have an open invoice; pay it to complete your membership.")
            )
        elif kind == InvoiceKind.RENEWAL and overview.status in ("active",):
            messages.info(
                request,
                _("Renewal opens on %(day)s, %(days)s days before your membership ends.")
                % {
                    "day": date_format(overview.renewal_opens_on),
                    "days": overview.rules.renewal_window_days,
                },
            )
        return redirect("billing:dashboard")
    rules: MembershipRules = overview.rules
    installment_counts = rules.installment_counts if kind == InvoiceKind.RENEWAL else ()
    initial = {
        "position": member.position,
        "annual_salary": member.annual_salary_cents,
        "population": member.population,
        "general_fund_budget": member.general_fund_budget_cents,
        "category": overview.membership.category if overview.membership else None,
        # Remembered from the last checkout, so a renewal keeps the rate the member earned.
        "small_community_attested": member.small_community_attested_on is not None,
    }
    if request.method == "GET":
        initial.update(_facts_from_calculator(request.GET))
    form = MembershipCheckoutForm(
        request.POST or None,
        initial=initial,
        installment_counts=installment_counts,
        installment_categories=rules.installment_categories,
    )
    if member.small_community_attested_on is not None:
        form.fields["small_community_attested"].help_text = _(
            "You confirmed these figures on %(day)s. Untick if they are no longer current; "
            "without the confirmation, dues are quoted without the small-community discount."
        ) % {"day": date_format(member.small_community_attested_on)}
    quote = withheld = None
    plan = []
    action = request.POST.get("action")
    if request.method == "POST" and form.is_valid():
        facts = form.facts()
        category = form.cleaned_data["category"]
        try:
            quote = quote_for(category=category, facts=facts, on=today)
        except QuoteRefused as refused:
            for field, errors in refused.errors.items():
                target = {"salary": "annual_salary", "budget": "general_fund_budget"}.get(field)
                form.add_error(target if target in form.fields else None, errors)
        else:
            withheld = withheld_discounts(category=category, facts=facts, quote=quote, on=today)
            count = form.cleaned_data.get("installments") or 1
            if count > 1:
                # The same split the invoice will carry, so the review shows what is due when.
                plan = installment_plan(
                    total_cents=quote.total_cents,
                    count=count,
                    start_on=today,
                    term_months=rules.term_months,
                )
        if quote is not None and action == "confirm":
            try:
                invoice = membership_invoice_issue(
                    member=member,
                    category=category,
                    facts=facts,
                    kind=kind,
                    on=today,
                    installment_count=form.cleaned_data.get("installments") or 1,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                member_update_profile(
                    member=member,
                    position=facts.position,
                    annual_salary_cents=facts.salary_cents,
                    population=facts.population,
                    general_fund_budget_cents=facts.budget_cents,
                    small_community_attested_on=today if facts.small_community_attested else None,
                )
                messages.success(
                    request,
                    _("Invoice %(number)s has been issued and e-mailed to you.")
                    % {"number": invoice.number},
                )
                if form.cleaned_data.get("payment_method") == "stripe":
                    return _card_checkout(request, invoice, form.cleaned_data.get("auto_renew"))
                return redirect("billing:invoice", number=invoice.number)
    return render(
        request,
        "billing/checkout.html",
        {
            "form": form,
            # "Change something" comes back to the form with everything typed kept.
            "quote": quote if form.is_bound and not form.errors and action != "edit" else None,
            "withheld": withheld,
            "plan": plan,
            "step": "review" if quote and not form.errors and action != "edit" else "facts",
            "kind": kind,
            "o": overview,
        },
    )


def _facts_from_calculator(query) -> dict:
    """The facts the public calculator carries in its "Join at this rate" link, as the form's
    initial values; a value that does not parse is left out (the profile's stays)."""
    from membership.dues_forms import QuoteApiForm
    from membership.models import MembershipCategory, Position

    names = ("category", "position", "salary", "population", "budget")
    if not any(query.get(name) for name in names):
        return {}
    form = QuoteApiForm({name: query.get(name, "") for name in names})
    form.is_valid()
    facts = form.cleaned_data
    initial = {}
    category = MembershipCategory.objects.filter(
        code=facts.get("category") or "", member_selectable=True
    ).first()
    if category is not None:
        initial["category"] = category
    if facts.get("position") in Position.values:
        initial["position"] = facts["position"]
    for name, field in (
        ("salary", "annual_salary"),
        ("population", "population"),
        ("budget", "general_fund_budget"),
    ):
        if facts.get(name) is not None:
            initial[field] = facts[name]
    return initial


def _card_checkout(request, invoice, auto_renew: bool):
    """Send the member to Stripe Checkout for the invoice just issued; if Stripe cannot be
    reached the invoice stays open and its page offers the card payment again."""
    from billing.gateways import PaymentError
    from billing.services.stripe_checkout import card_checkout_start

    try:
        return redirect(
            card_checkout_start(invoice=invoice, auto_renew=bool(auto_renew), request=request)
        )
    except PaymentError as error:
        messages.error(request, str(error))
        return redirect("billing:invoice", number=invoice.number)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_detail(request, number: str):
    """The invoice; on their own open invoice the member may set a purchase-order number and
    the billing address (staff change them from the staff screens, not here)."""
    invoice = invoice_visible_to(user=request.user, number=number)
    own = invoice.member.user_id == request.user.pk
    form = None
    if own and invoice.status == InvoiceStatus.OPEN:
        form = BillToForm(request.POST or None, instance=invoice)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                invoice_bill_to_update(invoice=invoice, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The billing details on this invoice are saved."))
                return redirect("billing:invoice", number=invoice.number)
    context = document_context(invoice)
    context["bill_to_form"] = form
    return render(request, "billing/invoice.html", context)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def invoice_download(request, number: str):
    invoice = invoice_visible_to(user=request.user, number=number)
    return _pdf_response(invoice_pdf(invoice), f"invoice-{invoice.number}.pdf")


@login_required
def receipt(request, number: str):
    invoice = invoice_visible_to(user=request.user, number=number)
    if invoice.paid_cents == 0:
        raise Http404
    return render(request, "billing/receipt.html", document_context(invoice))


@login_required
def receipt_download(request, number: str):
    invoice = invoice_visible_to(user=request.user, number=number)
    if invoice.paid_cents == 0:
        raise Http404
    return _pdf_response(receipt_pdf(invoice), f"receipt-{invoice.number}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def waiver(request):
    member = member_for_user(user=request.user)
    pending = WaiverRequest.objects.filter(member=member, status=WaiverStatus.REQUESTED).first()
    form = WaiverRequestForm(request.POST or None, rules=MembershipRules.current())
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            waiver_request(member=member, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your request has been sent to membership staff."))
            return redirect("billing:dashboard")
    return render(request, "billing/waiver.html", {"form": form, "pending": pending})


@login_required
@require_POST
def invoice_send(request, number: str):
    """Send the invoice with its PDF to the accounts-payable e-mail on its billing details: the
    member for their own invoice, or membership staff."""
    invoice = invoice_visible_to(user=request.user, number=number)
    try:
        employer_invoice_send(document=invoice, by=request.user, pdf=invoice_pdf(invoice))
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            _("Invoice %(number)s with its PDF is on its way to %(email)s.")
            % {"number": invoice.number, "email": invoice.bill_to_email},
        )
    return redirect("billing:invoice", number=invoice.number)


@login_required
def credit_note(request, number: str):
    note = credit_note_visible_to(user=request.user, number=number)
    return render(request, "billing/credit_note.html", credit_note_context(note))


@login_required
def credit_note_download(request, number: str):
    note = credit_note_visible_to(user=request.user, number=number)
    return _pdf_response(credit_note_pdf(note), f"credit-note-{note.number}.pdf")
