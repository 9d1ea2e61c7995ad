"""Forms of the membership staff screens."""

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from billing.models import OfflineMethod
from billing.staff_selectors import MemberFilters
from membership.forms import DollarsField
from membership.models import Status
from membership.widgets import CachedOptionsSelect

# The country filter's choices per language: iterating django-countries translates and sorts
# all 250 names, on every search otherwise. Fixed in code and catalogues (a deploy changes them).
_COUNTRY_FILTER_CHOICES: dict[str, list[tuple[str, str]]] = {}


def _country_filter_choices() -> list[tuple[str, str]]:
    language = get_language() or ""
    choices = _COUNTRY_FILTER_CHOICES.get(language)
    if choices is None:
        choices = [("", str(_("Any country"))), *((code, str(name)) for code, name in countries)]
        _COUNTRY_FILTER_CHOICES[language] = choices
    return choices


# A cheque above this is a typing mistake, not a membership payment.
MAX_CHEQUE_CENTS = 1_000_000_00


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_(
            "Part of a name or employer, an e-mail address (or its start up to the @), "
            "or a member number (M-000123)."
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    renewal_within_days = forms.IntegerField(
        label=_("Renewal due within (days)"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("Members whose membership runs out between today and that many days ahead."),
    )
    # The 250 countries' options built once per language, not option by option per search.
    country = forms.ChoiceField(
        label=_("Country"), required=False, widget=CachedOptionsSelect(fragment="country-filter")
    )
    state = forms.CharField(label=_("State or province"), required=False, max_length=100)
    employer = forms.CharField(
        label=_("Employer contains"),
        required=False,
        max_length=200,
        help_text=_("Part of the employer or jurisdiction's name."),
    )
    expert_pool = forms.BooleanField(label=_("Only members in the expert pool"), required=False)

    # The fields after the text search, shown under “More filters”.
    MORE = ("renewal_within_days", "country", "state", "employer", "expert_pool")

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Status.choices]
        self.fields["category"].choices = [
            ("", _("Any category")),
            *((c.code, c.name) for c in categories),
        ]
        self.fields["country"].choices = _country_filter_choices()

    def more_fields(self):
        return [self[name] for name in self.MORE]

    def filters(self) -> MemberFilters:
        """The filters typed, or none when the form is unbound or invalid."""
        if not (self.is_bound and self.is_valid()):
            return MemberFilters()
        data = self.cleaned_data
        return MemberFilters(
            query=data["q"],
            status=data["status"],
            category=data["category"],
            renewal_within_days=data["renewal_within_days"],
            country=data["country"],
            state=data["state"].strip(),
            employer=data["employer"].strip(),
            expert_pool=bool(data["expert_pool"]),
        )


def _not_in_future(day, what):
    if day > timezone.localdate():
        raise forms.ValidationError(
            _("The date cannot be in the future; enter the day the %(what)s arrived.")
            % {"what": what}
        )
    return day


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Enter the date as YYYY-MM-DD, like 2026-11-27.")}


class RecordChequeForm(forms.Form):
    """A cheque or bank transfer as it arrived, for a member's or a consolidated invoice."""

    method = forms.ChoiceField(
        label=_("Method"),
        choices=OfflineMethod.choices,
        initial=OfflineMethod.CHEQUE,
        widget=forms.RadioSelect,
        required=False,
    )
    reference = forms.CharField(
        label=_("Cheque number or transfer reference"),
        max_length=100,
        help_text=_("As printed on the cheque or the bank statement; it appears on the receipt."),
    )
    received_on = forms.DateField(
        label=_("Date received"), widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    amount = DollarsField(
        label=_("Amount (USD)"),
        max_cents=MAX_CHEQUE_CENTS,
        required=True,
        help_text=_(
            "Prefilled with the balance due. Less leaves the rest due; more is kept as a credit."
        ),
    )
    # A fresh key per form shown: the same form posted twice records one payment.
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_method(self):
        return self.cleaned_data["method"] or OfflineMethod.CHEQUE

    def clean_reference(self):
        return self.cleaned_data["reference"].strip()

    def clean_received_on(self):
        return _not_in_future(self.cleaned_data["received_on"], _("payment"))


class PurchaseOrderForm(forms.Form):
    number = forms.CharField(label=_("Purchase-order number"), max_length=60)
    received_on = forms.DateField(
        label=_("Date received"), widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )

    def clean_received_on(self):
        return _not_in_future(self.cleaned_data["received_on"], _("purchase order"))


class CreditNoteForm(forms.Form):
    amount = DollarsField(
        label=_("Reduce the invoice by (USD)"), max_cents=MAX_CHEQUE_CENTS, required=True
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the credit note, e.g. “Salary corrected to $120,000”."),
    )


class CreditApplyForm(forms.Form):
    invoice_number = forms.CharField(
        label=_("Open invoice number"),
        max_length=20,
        help_text=_("An open invoice of the member this credit belongs to (INV-2027-000123)."),
    )


class CreditRefundForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Returned by"), choices=OfflineMethod.choices, widget=forms.RadioSelect
    )
    reference = forms.CharField(
        label=_("Cheque number or transfer reference"), max_length=100, required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the money is returned.")},
    )


class InvoiceCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept on the invoice and the cancelled term, e.g. “Member asked to withdraw”."),
        error_messages={"required": _("Say why the invoice is cancelled.")},
    )
    confirm = forms.BooleanField(
        label=_("Yes, cancel this invoice and the membership term waiting for it."),
        error_messages={"required": _("Tick the box to confirm the cancellation.")},
    )

    def clean_reason(self):
        return self.cleaned_data["reason"].strip()


class WaiverDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not cleaned.get("note", "").strip():
            raise forms.ValidationError(
                _("Add a note saying why the waiver is declined; the member will ask.")
            )
        return cleaned


class LifeConferForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the record, e.g. the board resolution that conferred it."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, confer Life membership on this member."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class PaymentRefundForm(forms.Form):
    """A refund of a payment, by card through Stripe or recorded for a cheque or transfer."""

    amount = DollarsField(label=_("Amount to refund (USD)"), max_cents=10_000_000_00, required=True)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Kept with the refund and shown to staff; Stripe gets a copy."),
    )
    cancel_term = forms.BooleanField(
        label=_("Also cancel the membership term this payment paid for"),
        required=False,
        template_name="includes/checkbox_field.html",
        help_text=_("Only with a refund of everything that is left."),
    )


class OfflineRefundForm(PaymentRefundForm):
    """The money went back by ICMA's own cheque or transfer: staff say how."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount refunded (USD)")
        self.fields["reason"].label = _("Reason, and how the money went back")
        self.fields["reason"].help_text = _(
            "For example: Paid twice by the city; ICMA cheque 5521 sent."
        )
