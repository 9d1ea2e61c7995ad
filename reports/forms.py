"""The reports' filters: GET forms, so a view can be bookmarked and shared. A value that does
not parse falls back on the default rather than failing the page."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.periods import parse_month

MAX_MONTHS = 60


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    widget = MonthInput

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        day = parse_month(value)
        if day is None:
            raise forms.ValidationError(_("Write the month as YYYY-MM, like 2026-03."))
        return day


class ReportForm(forms.Form):
    def __init__(self, data, *, defaults: dict, **kwargs):
        super().__init__(data or None, **kwargs)
        self.defaults = defaults
        for name, value in defaults.items():
            field = self.fields[name]
            # A month input shows "2026-03", not a date.
            field.initial = value.strftime("%Y-%m") if isinstance(field, MonthField) else value

    def values(self) -> dict:
        """The cleaned filters, each falling back on its default when missing or invalid."""
        values = dict(self.defaults)
        if self.is_bound:
            self.is_valid()
            for name in self.fields:
                if name not in self.errors and self.cleaned_data.get(name) not in (None, ""):
                    values[name] = self.cleaned_data[name]
        return values


class SpanForm(ReportForm):
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)

    def values(self) -> dict:
        values = super().values()
        start, end = values["start"], values["end"]
        if isinstance(start, str):
            start = parse_month(start)
        if isinstance(end, str):
            end = parse_month(end)
        if end < start:
            start, end = end, start
        months = (end.year - start.year) * 12 + end.month - start.month
        if months >= MAX_MONTHS:
            start = dt.date(end.year - MAX_MONTHS // 12, end.month, 1)
        values.update(start=start, end=end)
        return values


def year_choices(years) -> list[tuple[str, str]]:
    return [(str(y), f"FY{y}") for y in years]


class FiscalYearForm(ReportForm):
    fy = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, data, *, years, categories, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["fy"].choices = year_choices(years)
        self.fields["category"].choices = [("", _("All categories"))] + [(c, c) for c in categories]


class AgingForm(ReportForm):
    on = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, data, *, categories, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [(c, c) for c in categories]


class YearSpanForm(ReportForm):
    fy_from = forms.TypedChoiceField(label=_("From fiscal year"), coerce=int, required=False)
    fy_to = forms.TypedChoiceField(label=_("To fiscal year"), coerce=int, required=False)

    def __init__(self, data, *, years, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["fy_from"].choices = year_choices(years)
        self.fields["fy_to"].choices = year_choices(years)

    def values(self) -> dict:
        values = super().values()
        low, high = sorted((values["fy_from"], values["fy_to"]))
        values.update(fy_from=low, fy_to=high)
        return values


class ForecastForm(ReportForm):
    fy = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    draft = forms.TypedChoiceField(
        label=_("Compare with draft schedule"), coerce=int, required=False
    )

    def __init__(self, data, *, years, drafts, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["fy"].choices = year_choices(years)
        self.fields["draft"].choices = [("", _("No draft"))] + [(d.pk, d.name) for d in drafts]
