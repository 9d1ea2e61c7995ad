"""The staff form that bills one employer for several of its members."""

from django import forms
from django.utils.translation import gettext_lazy as _

from membership.models import Member


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member):
        return f"{member.display_name} ({member.member_number}) · {member.get_position_display()}"


class GroupInvoiceForm(forms.Form):
    employer = forms.CharField(
        label=_("Employer"),
        max_length=200,
        help_text=_("Part of the employer's name as members give it, e.g. “Riverbend”."),
    )
    members = MemberChoice(
        label=_("Members to bill"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Each member's section carries their own dues, quoted from their profile."),
    )
    bill_to_organisation = forms.CharField(label=_("Organisation billed"), max_length=200)
    bill_to_address = forms.CharField(
        label=_("Billing address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    bill_to_email = forms.EmailField(label=_("Accounts-payable e-mail"), required=False)
    purchase_order_number = forms.CharField(
        label=_("Purchase-order number (optional)"), max_length=60, required=False
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["members"].queryset = candidates

    def clean_members(self):
        members = list(self.cleaned_data["members"])
        if len(members) < 2:
            raise forms.ValidationError(
                _("Tick at least two members; bill one member on their own invoice.")
            )
        return members
