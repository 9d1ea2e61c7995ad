"""The public dues calculator and the JSON quote endpoint (no login)."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from membership.dues_forms import CalculatorForm, QuoteApiForm
from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms
from membership.dues_text import discount_conditions_text, discount_effect_text, rate_rows
from membership.models import MembershipCategory
from membership.services.dues import QuoteRefused, dues_quote, quote_compute

FACT_FIELDS = ("category", "position", "salary", "population", "budget")


def _refusal_to_form(form, refused: QuoteRefused) -> None:
    for field, messages in refused.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


@require_http_methods(["GET", "POST"])
def dues_calculator(request):
    """A form post (or a shared GET link) quotes without JavaScript; the script only adds
    live updates through the JSON endpoint."""
    today = timezone.localdate()
    schedule = dues_schedule_in_effect(on=today)
    terms = dues_schedule_terms(schedule=schedule) if schedule else None
    categories = list(terms.categories.values()) if terms else []
    data = request.POST if request.method == "POST" else None
    if data is None and any(name in request.GET for name in FACT_FIELDS):
        data = request.GET
    form = CalculatorForm(data, categories=categories)
    quote = None
    if data is not None and form.is_valid():
        if terms is None:
            form.add_error(None, _("No dues schedule is in effect today."))
        else:
            facts = form.cleaned_data
            try:
                quote = quote_compute(
                    terms=terms,
                    category=facts["category"],
                    position=facts["position"],
                    salary_cents=facts["salary"],
                    population=facts["population"],
                    budget_cents=facts["budget"],
                )
            except QuoteRefused as refused:
                _refusal_to_form(form, refused)
    by_code = {c.code: c for c in categories}
    discounts = [
        {
            "label": d.label,
            "conditions": discount_conditions_text(d, by_code),
            "effect": discount_effect_text(d),
        }
        for d in (terms.discounts if terms else ())
    ]
    return render(
        request,
        "membership/dues/calculator.html",
        {
            "form": form,
            "quote": quote,
            "join_url": join_link(request, form.cleaned_data if quote else None),
            "join_base": reverse("billing:join"),
            "signup_base": "" if request.user.is_authenticated else reverse("account_signup"),
            "terms": terms,
            "rate_rows": rate_rows(terms) if terms else [],
            "discounts": discounts,
            "category_texts": MembershipCategory.objects.filter(member_selectable=True),
        },
    )


def join_link(request, facts: dict | None) -> str:
    """The join page with the facts just quoted, so joining starts from the same price; for a
    visitor, the sign-up page first, returning there."""
    target = reverse("billing:join")
    if facts:
        typed = {
            "category": facts["category"],
            "position": facts["position"],
            "salary": _dollars(facts.get("salary")),
            "population": facts.get("population"),
            "budget": _dollars(facts.get("budget")),
        }
        target += "?" + urlencode({k: v for k, v in typed.items() if v not in (None, "")})
    if request.user.is_authenticated:
        return target
    return reverse("account_signup") + "?" + urlencode({"next": target})


def _dollars(cents: int | None) -> str | None:
    if cents is None:
        return None
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents / 100:.2f}"


def _errors_json(errors) -> dict[str, list[str]]:
    return {field: [str(message) for message in messages] for field, messages in errors.items()}


@require_GET
def dues_quote_api(request):
    """`GET /api/dues/quote?category=&position=&salary=&population=&budget=&on=YYYY-MM-DD`.

    Answers 200 with the quote, or 400 with `{"errors": {field: [message, ...]}}`.
    """
    form = QuoteApiForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": _errors_json(form.errors)}, status=400)
    facts = form.cleaned_data
    try:
        quote = dues_quote(
            category=facts["category"],
            position=facts["position"],
            salary_cents=facts["salary"],
            population=facts["population"],
            budget_cents=facts["budget"],
            on=facts["on"] or timezone.localdate(),
        )
    except QuoteRefused as refused:
        return JsonResponse({"errors": refused.errors}, status=400)
    return JsonResponse(
        {
            "total_cents": quote.total_cents,
            "currency": quote.currency,
            "schedule": {
                "name": quote.schedule_name,
                "effective_from": quote.schedule_effective_from.isoformat(),
            },
            "lines": [{"label": ln.label, "amount_cents": ln.amount_cents} for ln in quote.lines],
        }
    )
