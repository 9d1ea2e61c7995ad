"""Forms for the dues calculator, the quote API and the staff dues pages."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from membership.forms import (
    DollarsField,
    budget_field,
    population_field,
    refuse_non_finite,
    salary_field,
)
from membership.models import DuesRate, MembershipCategory, Position


class QuoteFactsForm(forms.Form):
    """The facts a quote needs, as a person or a program types them (dollars, not cents)."""

    salary = salary_field()
    population = population_field()
    budget = budget_field()
    on = forms.DateField(
        label=_("Date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, like 2026-07-01.")},
    )


class QuoteApiForm(QuoteFactsForm):
    """Codes are checked by the engine, which says which codes exist."""

    category = forms.CharField(
        max_length=32, error_messages={"required": _("Give a category code, like full.")}
    )
    position = forms.CharField(
        max_length=32, error_messages={"required": _("Give a position code, like cao.")}
    )


class CalculatorForm(QuoteFactsForm):
    category = forms.ChoiceField(
        label=_("Membership category"),
        error_messages={"required": _("Choose a membership category.")},
    )
    position = forms.ChoiceField(
        label=_("Your position"),
        choices=[("", _("Choose your position…")), *Position.choices],
        error_messages={"required": _("Choose the position you hold.")},
    )

    field_order = ["category", "position", "salary", "population", "budget"]

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("Choose a category…")),
            *((c.code, c.name) for c in categories if c.member_selectable),
        ]
        del self.fields["on"]
        self.fields["salary"].help_text = _(
            "Needed for Full members, whose dues are a percentage of salary. It is not stored."
        )


class PercentField(forms.DecimalField):
    """A percent typed by staff (`0.65` or `0.65%`), cleaned to basis points."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(100))
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _("Enter a percent like 0.65 or 20.")
        self.error_messages["min_value"] = _("A percent cannot be below 0.")
        self.error_messages["max_value"] = _("A percent cannot be above 100.")
        self.error_messages["max_decimal_places"] = _("Use at most two decimals, like 0.65.")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("%", "").strip()
        return refuse_non_finite(super().to_python(value), self.error_messages["invalid"])

    def clean(self, value):
        percent = super().clean(value)
        return None if percent is None else int(percent * 100)

    def prepare_value(self, value):
        if isinstance(value, int):
            text = f"{Decimal(value) / 100:f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        return value


def _money(label, **kwargs):
    from membership.models.member import MAX_SALARY_CENTS

    return DollarsField(label=label, max_cents=MAX_SALARY_CENTS, **kwargs)


def _positions_field(label):
    return forms.MultipleChoiceField(
        label=label,
        choices=Position.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ScheduleNameForm(forms.Form):
    name = forms.CharField(label=_("Schedule name"), max_length=120)


class RateForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=MembershipCategory.objects.all(), empty_label="—"
    )
    positions = _positions_field(_("For positions (none ticked: every other position)"))
    method = forms.ChoiceField(label=_("Method"), choices=[("", "—"), *DuesRate.Method.choices])
    amount = _money(_("Flat amount (USD)"))
    percent = PercentField(label=_("Percent of salary"))
    minimum = _money(_("Minimum (USD)"))
    cap = _money(_("Cap (USD)"))

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method == DuesRate.Method.FLAT:
            if data.get("amount") is None:
                self.add_error("amount", _("Enter the flat amount, like 150 (0 for free)."))
            for name in ("percent", "minimum", "cap"):
                if data.get(name) not in (None, 0):
                    self.add_error(name, _("A flat rate has no percent, minimum or cap; clear it."))
        elif method == DuesRate.Method.SALARY_PERCENT:
            if not data.get("percent"):
                self.add_error("percent", _("Enter the percent of salary, like 0.65."))
            minimum, cap = data.get("minimum"), data.get("cap")
            if minimum is not None and cap is not None and cap < minimum:
                self.add_error("cap", _("The cap must be at least the minimum."))
        return data

    def row(self) -> dict:
        data = self.cleaned_data
        if data.get("DELETE"):
            return {"id": data.get("id"), "delete": True}
        flat = data["method"] == DuesRate.Method.FLAT
        return {
            "id": data.get("id"),
            "delete": data.get("DELETE", False),
            "category": data["category"],
            "positions": list(data["positions"]),
            "method": data["method"],
            "amount_cents": (data.get("amount") or 0) if flat else 0,
            "percent_bp": 0 if flat else (data.get("percent") or 0),
            "minimum_cents": None if flat else data.get("minimum"),
            "cap_cents": None if flat else data.get("cap"),
        }

    @staticmethod
    def initial_for(rate) -> dict:
        return {
            "id": rate.pk,
            "category": rate.category_id,
            "positions": rate.positions,
            "method": rate.method,
            "amount": rate.amount_cents if rate.method == DuesRate.Method.FLAT else None,
            "percent": rate.percent_bp or None,
            "minimum": rate.minimum_cents,
            "cap": rate.cap_cents,
        }


class DiscountForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Label"), max_length=120)
    max_population = population_field()
    max_budget = budget_field()
    categories = forms.MultipleChoiceField(
        label=_("For categories (none ticked: all)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    positions = _positions_field(_("For positions (none ticked: all)"))
    percent_off = PercentField(label=_("Percent off"))
    replacement_cap = _money(_("Replacement cap (USD)"))
    priority = forms.IntegerField(
        label=_("Priority (lower applies first)"), min_value=0, max_value=32767, initial=100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["max_population"].label = _("Population at most")
        self.fields["max_population"].help_text = _("Empty: no population condition.")
        self.fields["max_budget"].label = _("General fund budget at most (USD)")
        self.fields["max_budget"].help_text = _("Empty: no budget condition.")
        self.fields["categories"].choices = list(
            MembershipCategory.objects.values_list("code", "name")
        )

    def clean(self):
        data = super().clean()
        if not data.get("percent_off") and data.get("replacement_cap") is None:
            raise forms.ValidationError(
                _("A discount needs a percent off, a replacement cap, or both.")
            )
        return data

    def row(self) -> dict:
        data = self.cleaned_data
        if data.get("DELETE"):
            return {"id": data.get("id"), "delete": True}
        return {
            "id": data.get("id"),
            "delete": data.get("DELETE", False),
            "label": data["label"],
            "max_population": data.get("max_population"),
            "max_budget_cents": data.get("max_budget"),
            "categories": list(data["categories"]),
            "positions": list(data["positions"]),
            "percent_off_bp": data.get("percent_off") or 0,
            "replacement_cap_cents": data.get("replacement_cap"),
            "priority": data["priority"],
        }

    @staticmethod
    def initial_for(discount) -> dict:
        return {
            "id": discount.pk,
            "label": discount.label,
            "max_population": discount.max_population,
            "max_budget": discount.max_budget_cents,
            "categories": discount.categories,
            "positions": discount.positions,
            "percent_off": discount.percent_off_bp or None,
            "replacement_cap": discount.replacement_cap_cents,
            "priority": discount.priority,
        }


class PublishForm(forms.Form):
    effective_from = forms.DateField(
        label=_("Effective from"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The first day the new rates apply. It must be after today."),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    notify_members = forms.BooleanField(
        label=_("Send each member whose dues change their own before/after quote"),
        required=False,
        help_text=_("One e-mail per member, with both quotes line by line and the date."),
    )


class CategoryForm(forms.ModelForm):
    eligible_positions = _positions_field(_("Positions that may choose it (none: any)"))

    class Meta:
        model = MembershipCategory
        fields = ["name", "description", "eligible_positions", "member_selectable", "voting"]
        # sort_order stays as seeded; staff reorder rarely and the code names the category.
