from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from membership.models import MembershipRules
from membership.permissions import membership_staff_required
from membership.services.rules import rules_update


def _int_list(text: str, *, low: int, high: int) -> list[int]:
    try:
        values = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError as exc:
        raise forms.ValidationError(
            _("Write whole numbers separated by commas, like 60, 30, 7.")
        ) from exc
    if any(v < low or v > high for v in values):
        raise forms.ValidationError(
            _("Each number must be between %(low)s and %(high)s.") % {"low": low, "high": high}
        )
    return values


class RulesForm(forms.ModelForm):
    reminder_days_text = forms.CharField(
        label=gettext_lazy("Reminders, days before the end"),
        help_text=gettext_lazy("Comma-separated, e.g. 60, 30, 7. One more goes out in grace."),
    )
    card_retry_days_text = forms.CharField(
        label=gettext_lazy("Declined card tried again, days after the charge date"),
        help_text=gettext_lazy("Comma-separated, e.g. 2, 5, 7: one retry per number, then stop."),
    )
    installment_counts_text = forms.CharField(
        label=gettext_lazy("Installment choices"),
        help_text=gettext_lazy(
            "Numbers of installments a renewing member may choose, e.g. 2, 3, 4."
        ),
    )

    class Meta:
        model = MembershipRules
        fields = [
            "term_months",
            "renewal_window_days",
            "grace_days",
            "installment_notice_days",
            "installment_overdue_days",
            "join_invoice_expiry_days",
            "waiver_months",
            "waiver_max_months",
            "card_notice_days",
            "fiscal_year_start_month",
            "financial_retention_years",
        ]
        labels = {
            "term_months": gettext_lazy("Term length (months)"),
            "renewal_window_days": gettext_lazy("Renewal opens (days before the end)"),
            "grace_days": gettext_lazy("Grace period (days)"),
            "installment_notice_days": gettext_lazy("Installment invoice sent (days before due)"),
            "installment_overdue_days": gettext_lazy("Installment overdue ends the term (days)"),
            "join_invoice_expiry_days": gettext_lazy("Unpaid join invoice closed after (days)"),
            "waiver_months": gettext_lazy("Months per dues waiver"),
            "waiver_max_months": gettext_lazy("Most waiver months in all"),
            "card_notice_days": gettext_lazy("Notice before a saved-card charge (days)"),
            "fiscal_year_start_month": gettext_lazy("Fiscal year starts in month (1-12)"),
            "financial_retention_years": gettext_lazy(
                "Financial records of closed accounts kept (years)"
            ),
        }
        help_texts = {
            "fiscal_year_start_month": gettext_lazy(
                "For the reports only: 7 means July 1 to June 30."
            ),
            "financial_retention_years": gettext_lazy(
                "Invoices, payments and refunds of a closed account are kept this many years "
                "after the closure, under the member number only, then deleted."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["reminder_days_text"] = ", ".join(map(str, self.instance.reminder_days))
        self.initial["card_retry_days_text"] = ", ".join(map(str, self.instance.card_retry_days))
        self.initial["installment_counts_text"] = ", ".join(
            map(str, self.instance.installment_counts)
        )

    def clean_reminder_days_text(self):
        return _int_list(self.cleaned_data["reminder_days_text"], low=1, high=365)

    def clean_card_retry_days_text(self):
        return _int_list(self.cleaned_data["card_retry_days_text"], low=1, high=60)

    def clean_installment_counts_text(self):
        return _int_list(self.cleaned_data["installment_counts_text"], low=2, high=12)

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["reminder_days"] = self.cleaned_data["reminder_days_text"]
        data["installment_counts"] = self.cleaned_data["installment_counts_text"]
        data["card_retry_days"] = self.cleaned_data["card_retry_days_text"]
        return data


@membership_staff_required
def rules_edit(request):
    rules = MembershipRules.current()
    form = RulesForm(request.POST or None, instance=MembershipRules.objects.get(pk=rules.pk))
    if request.method == "POST" and form.is_valid():
        rules_update(actor=request.user, **form.changes())
        messages.success(request, _("The membership rules have been saved."))
        return redirect("membership:staff_rules")
    return render(request, "membership/staff_rules.html", {"form": form})
