from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing.gateways import enabled_providers
from billing.services.invoices import DuesFacts
from membership.forms import budget_field, population_field, salary_field
from membership.models import MembershipCategory, Position


class MembershipCheckoutForm(forms.Form):
    """Join or renew: the category, the facts that drive the price, and how to pay."""

    category = forms.ModelChoiceField(
        label=_("Membership category"),
        queryset=MembershipCategory.objects.filter(member_selectable=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose a membership category.")},
    )
    position = forms.ChoiceField(label=_("Your position"), choices=Position.choices)
    annual_salary = salary_field()
    population = population_field()
    general_fund_budget = budget_field()
    small_community_attested = forms.BooleanField(
        label=_(
            "I confirm that the population and general fund budget above are my jurisdiction's "
            "current figures."
        ),
        required=False,
        template_name="includes/checkbox_field.html",
        help_text=_(
            "Needed for the small-community rate. Without it, dues are quoted without the "
            "small-community discount."
        ),
    )
    # Left empty or not sent at all, it means one payment.
    installments = forms.TypedChoiceField(
        label=_("Pay in"),
        coerce=int,
        empty_value=1,
        initial=1,
        required=False,
        widget=forms.RadioSelect,
    )
    payment_method = forms.ChoiceField(label=_("How you will pay"), widget=forms.RadioSelect)
    auto_renew = forms.BooleanField(
        label=_("Renew automatically each year with the card I pay with"),
        required=False,
        template_name="includes/checkbox_field.html",
        help_text=_(
            "Card payments only. We e-mail you a week before each charge, naming the amount and "
            "the date; switch it off any time on your membership page."
        ),
    )

    def __init__(self, *args, installment_counts=(), installment_categories=(), **kwargs):
        self.installment_categories = tuple(installment_categories)
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda c: format_html(
            "<span><strong>{}</strong><br>{}</span>", c.name, c.description
        )
        self.fields["payment_method"].choices = [
            (
                p.identifier,
                format_html(
                    "<span><strong>{}</strong><br>{}</span>", p.verbose_name, p.description
                ),
            )
            for p in enabled_providers()
        ]
        self.fields["payment_method"].initial = "offline"
        if not any(p.identifier == "stripe" for p in enabled_providers()):
            del self.fields["auto_renew"]
        if installment_counts:
            self.fields["installments"].choices = [(1, _("one payment"))] + [
                (n, _("%(n)s installments across the year") % {"n": n}) for n in installment_counts
            ]
        else:
            del self.fields["installments"]

    def clean(self):
        data = super().clean()
        category, position = data.get("category"), data.get("position")
        if category and position and not category.allows_position(position):
            self.add_error(
                "category",
                _(
                    "%(category)s is not open to your position. Choose another category, or "
                    "correct your position."
                )
                % {"category": category.name},
            )
        if (
            data.get("installments", 1) > 1
            and category
            and category.code not in (self.installment_categories)
        ):
            self.add_error(
                "installments",
                _("Installments are not offered for %(category)s; choose one payment.")
                % {"category": category.name},
            )
        return data

    def facts(self) -> DuesFacts:
        data = self.cleaned_data
        return DuesFacts(
            position=data["position"],
            salary_cents=data.get("annual_salary"),
            population=data.get("population"),
            budget_cents=data.get("general_fund_budget"),
            small_community_attested=bool(data.get("small_community_attested")),
        )


class WaiverRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("What happened to your local-government position?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
    )

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _(
            "Members in transition can have dues waived %(step)s months at a time, up to "
            "%(limit)s months in all. Membership staff read every request."
        ) % {"step": rules.waiver_months, "limit": rules.waiver_max_months}
