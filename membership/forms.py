from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from membership.models import Member, Position
from membership.models.member import MAX_BUDGET_CENTS, MAX_POPULATION, MAX_SALARY_CENTS
from membership.money import cents_to_dollars, dollars_to_cents
from membership.services.members import PROFILE_FIELDS, member_create, member_update_profile
from membership.validators import HeaderSafeCharField, HeaderSafeFieldsMixin
from membership.widgets import CachedOptionsSelect


def country_select() -> CachedOptionsSelect:
    """The country list's options are built once per language (membership/widgets.py)."""
    return CachedOptionsSelect(fragment="country")


def refuse_non_finite(value: Decimal | None, message) -> Decimal | None:
    """NaN and Infinity parse as Decimals, and a signalling NaN raises when compared (as
    `has_changed()` does before any validator runs): refuse them while parsing."""
    if value is not None and not value.is_finite():
        raise forms.ValidationError(message, code="invalid")
    return value


class DollarsField(forms.DecimalField):
    """A dollar amount typed by a person (commas and a leading $ allowed), cleaned to cents."""

    def __init__(self, *, max_cents: int, **kwargs):
        self.max_cents = max_cents
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", cents_to_dollars(max_cents))
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _(
            "Enter an amount in US dollars, like 125000 or 125,000.50."
        )
        self.error_messages["min_value"] = _("The amount cannot be negative.")
        self.error_messages["max_value"] = _(
            "That is more than %(limit_value)s; check for an extra digit."
        )
        self.error_messages["max_decimal_places"] = _("Use at most two digits for cents.")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("$", "").strip()
        return refuse_non_finite(super().to_python(value), self.error_messages["invalid"])

    def clean(self, value):
        dollars = super().clean(value)
        return None if dollars is None else dollars_to_cents(dollars)

    def prepare_value(self, value):
        if isinstance(value, int):
            return cents_to_dollars(value)
        return value


class WholeNumberField(forms.IntegerField):
    """An integer typed by a person: thousands separators are allowed."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").strip()
        return super().to_python(value)


def population_field():
    return WholeNumberField(
        label=_("Jurisdiction population"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        required=False,
        min_value=0,
        max_value=MAX_POPULATION,
        help_text=_("Residents of the community you serve. Used for the small-community rate."),
        error_messages={
            "invalid": _("Enter a whole number of residents, like 7500."),
            "min_value": _("The population cannot be negative."),
            "max_value": _("That is over 50,000,000 residents; check for an extra digit."),
        },
    )


def budget_field():
    return DollarsField(
        label=_("General fund budget (USD)"),
        max_cents=MAX_BUDGET_CENTS,
        help_text=_("Your jurisdiction's annual general fund. Used for the small-community rate."),
    )


def salary_field():
    return DollarsField(
        label=_("Annual salary (USD)"),
        max_cents=MAX_SALARY_CENTS,
        help_text=_(
            "Dues for chief and assistant chief administrative officers are a percentage of "
            "salary. Only you and ICMA membership staff can see this figure."
        ),
    )


class ProfileForm(HeaderSafeFieldsMixin, forms.ModelForm):
    header_safe_fields = ("full_name", "job_title", "employer", "state_province")
    population = population_field()
    general_fund_budget = budget_field()
    annual_salary = salary_field()

    class Meta:
        model = Member
        # Money is typed in dollars in the two declared fields below; these are the rest, in
        # the order the service knows them, and the dollar fields follow them on the page.
        # The community attestation is given at checkout, not here.
        fields = [
            name
            for name in PROFILE_FIELDS
            if not name.endswith("_cents") and name != "small_community_attested_on"
        ]
        widgets = {"country": country_select()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["position"].required = True
        if self.instance.pk:
            self.initial["general_fund_budget"] = self.instance.general_fund_budget_cents
            self.initial["annual_salary"] = self.instance.annual_salary_cents

    def save(self, commit=True):
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["general_fund_budget_cents"] = self.cleaned_data["general_fund_budget"]
        data["annual_salary_cents"] = self.cleaned_data["annual_salary"]
        return member_update_profile(member=self.instance, **data)


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form; allauth calls `signup()` once the user exists."""

    full_name = HeaderSafeCharField(label=_("Full name"), max_length=200)
    position = forms.ChoiceField(
        label=_("Position"),
        choices=[("", _("Choose your position…")), *Position.choices],
    )
    employer = HeaderSafeCharField(
        label=_("Employer or jurisdiction"), max_length=200, required=False
    )
    country = CountryField(default="US").formfield(label=_("Country"), widget=country_select())
    population = population_field()
    general_fund_budget = budget_field()
    annual_salary = salary_field()

    field_order = ["email", "password1", "password2", "full_name", "position", "employer"]

    def signup(self, request, user):
        data = self.cleaned_data
        member_create(
            user=user,
            full_name=data["full_name"],
            position=data["position"],
            employer=data.get("employer", ""),
            country=data["country"],
            population=data.get("population"),
            general_fund_budget_cents=data.get("general_fund_budget"),
            annual_salary_cents=data.get("annual_salary"),
        )
