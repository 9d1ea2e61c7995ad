"""Forms with which membership staff do a member's work: the account, the facts, an invoice
on their behalf, a term's dates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.forms import MembershipCheckoutForm
from membership.forms import ProfileForm
from membership.models import MembershipCategory, Position
from membership.services.staff_members import (
    STAFF_EDITABLE_FIELDS,
    DuplicateEmail,
    member_by_email,
)

DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}
DATE_INVALID = _("Enter the date as YYYY-MM-DD, like 2027-07-01.")
SALARY_HELP = _(
    "Confidential: only the member and membership staff see it. Sets the dues of chief and "
    "assistant chief administrative officers."
)


class StaffMemberForm(ProfileForm):
    """A member's profile and dues facts as staff type them (the member's own form, with
    labels that speak of the member)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annual_salary"].help_text = SALARY_HELP
        self.fields["position"].choices = [("", _("Choose the position…")), *Position.choices]

    def changes(self) -> dict:
        """The facts as typed, keyed like the member's fields (money in cents)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["general_fund_budget_cents"] = self.cleaned_data["general_fund_budget"]
        data["annual_salary_cents"] = self.cleaned_data["annual_salary"]
        assert set(data) <= set(STAFF_EDITABLE_FIELDS)
        return data

    def save(self, commit=True):
        raise NotImplementedError("Staff changes go through member_update_by_staff.")


class StaffMemberCreateForm(StaffMemberForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("The member signs in with it. It must not belong to another account."),
    )
    send_claim = forms.BooleanField(
        label=_("E-mail the member a link to claim the account and choose a password"),
        required=False,
        initial=True,
        template_name="includes/checkbox_field.html",
        help_text=_("You can also send it later from the member's page."),
    )

    field_order = ["email", "full_name", "position", "job_title", "employer"]

    # The member who already has the address typed, for the page to link to.
    existing_member = None

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        self.existing_member = member_by_email(email=email)
        if self.existing_member is not None:
            raise forms.ValidationError(DuplicateEmail(self.existing_member).message_dict["email"])
        return email


class StaffInvoiceForm(MembershipCheckoutForm):
    """The member's own join or renewal form, as staff fill it in for them: every category
    (Life too), the invoice path only, and whether the invoice is e-mailed to the member."""

    email_member = forms.BooleanField(
        label=_("E-mail the invoice to the member"),
        required=False,
        initial=True,
        template_name="includes/checkbox_field.html",
        help_text=_("Untick to hand the invoice over yourself, e.g. on paper."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = MembershipCategory.objects.order_by("sort_order", "name")
        self.fields["position"].label = _("Position")
        self.fields["annual_salary"].help_text = SALARY_HELP
        self.fields["small_community_attested"].label = _(
            "The member confirms that the population and general fund budget above are their "
            "jurisdiction's current figures."
        )
        # Staff issue an invoice; a card payment is the member's own step on the invoice page.
        del self.fields["payment_method"]
        self.fields.pop("auto_renew", None)


class TermDatesForm(forms.Form):
    start_on = forms.DateField(
        label=_("Starts on"),
        widget=forms.DateInput(**DATE_WIDGET),
        error_messages={"invalid": DATE_INVALID, "required": _("Enter the start date.")},
    )
    end_on = forms.DateField(
        label=_("Ends on"),
        widget=forms.DateInput(**DATE_WIDGET),
        help_text=_("The first day the term no longer covers."),
        error_messages={"invalid": DATE_INVALID, "required": _("Enter the end date.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept with the term and shown in its history, e.g. “Paid on time; the old system "
            "recorded the wrong start date”."
        ),
        error_messages={"required": _("Say why the dates change.")},
    )

    def clean_reason(self):
        return self.cleaned_data["reason"].strip()

    def clean(self):
        data = super().clean()
        start_on, end_on = data.get("start_on"), data.get("end_on")
        if start_on and end_on and end_on <= start_on:
            self.add_error(
                "end_on",
                _("The end date must come after the start date (a term ends on its end date)."),
            )
        return data
