from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from experts.models import (
    AssistanceRequest,
    EngagementType,
    ExpertiseArea,
    ExpertProfile,
    Language,
    PartnerOrganization,
    Proficiency,
)
from experts.models.profile import (
    AVAILABILITY_NOTE_MAX_LENGTH,
    BIO_MAX_LENGTH,
    MAX_YEARS_IN_LOCAL_GOVERNMENT,
    NAME_ZH_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
)
from experts.services.cv import cv_validate
from experts.services.profiles import ExpertDetails
from membership.validators import HeaderSafeFieldsMixin

AVAILABILITY_ROWS = 4


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class _AreasField(forms.ModelMultipleChoiceField):
    """Areas by their Chinese name when the page is in Chinese (English while none is set)."""

    def label_from_instance(self, obj):
        if (get_language() or "").lower().startswith("zh") and obj.name_zh:
            return obj.name_zh
        return obj.name


def _areas_field(**kwargs):
    return _AreasField(
        queryset=ExpertiseArea.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


def _both_names(obj) -> str:
    """“SAFEA · 国家外国专家局”: the English name, then the Chinese one when there is one."""
    return f"{obj.name} · {obj.name_zh}" if obj.name_zh else obj.name


class ExpertProfileForm(forms.Form):
    """The member's expert profile. Languages and availability come as fixed rows, so the form
    works without JavaScript; `details()` turns it into what the service expects."""

    areas = _areas_field(
        label=_("Areas of expertise"),
        error_messages={"required": _("Choose at least one area of expertise.")},
    )
    years_in_local_government = forms.IntegerField(
        label=_("Years in local government"),
        min_value=0,
        max_value=MAX_YEARS_IN_LOCAL_GOVERNMENT,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    summary = forms.CharField(
        label=_("Professional summary"),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences partners read first (at most 300 characters)."),
    )
    bio = forms.CharField(
        label=_("Biography"),
        max_length=BIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text, at most 4,000 characters."),
    )
    name_zh = forms.CharField(
        label=_("Your name in Chinese characters"),
        max_length=NAME_ZH_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"lang": "zh-Hans", "autocomplete": "off"}),
        help_text=_("Optional. Chinese partners read it beside your English name."),
    )
    summary_zh = forms.CharField(
        label=_("Summary in Chinese"),
        max_length=SUMMARY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": "zh-Hans"}),
        help_text=_(
            "Optional, at most 300 characters. The Chinese dossier shows your English summary "
            "when this is empty."
        ),
    )
    engagement_types = forms.MultipleChoiceField(
        label=_("Engagements you would accept"),
        choices=EngagementType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of engagement.")},
    )
    willing_to_travel = forms.BooleanField(
        label=_("I am willing to travel to China"), required=False
    )
    availability_note = forms.CharField(
        label=_("Availability note"),
        max_length=AVAILABILITY_NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: “not during budget season (May–June)”."),
    )
    cv = forms.FileField(
        label=_("CV (PDF, at most 5 MB)"),
        required=False,
        validators=[cv_validate],
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("Optional. Only you and ICMA's international programs staff can open it."),
    )
    remove_cv = forms.BooleanField(label=_("Delete my current CV"), required=False)
    consent = forms.BooleanField(label=_("I agree to the text above"), required=False)
    # The version the member read; the service refuses it if a newer one was published since.
    consent_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, profile: ExpertProfile | None = None, needs_consent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.needs_consent = needs_consent
        for code, label in Language.choices:
            self.fields[f"lang_{code}"] = forms.TypedChoiceField(
                label=label,
                choices=[("", _("—")), *Proficiency.choices],
                coerce=int,
                empty_value=None,
                required=False,
            )
        for row in range(AVAILABILITY_ROWS):
            for end in ("from", "to"):
                self.fields[f"avail_{row}_{end}"] = forms.DateField(
                    label=_("From") if end == "from" else _("To"),
                    required=False,
                    widget=DateInput(),
                )
        if needs_consent:
            self.fields["consent"].required = True
            self.fields["consent"].error_messages["required"] = _(
                "Tick this box to join: we cannot share your profile without your consent."
            )
        if not (profile and profile.cv):
            del self.fields["remove_cv"]
        if profile is not None and not self.is_bound:
            self._load(profile)

    def _load(self, profile: ExpertProfile) -> None:
        self.initial.update(
            areas=list(profile.areas.all()),
            years_in_local_government=profile.years_in_local_government,
            summary=profile.summary,
            bio=profile.bio,
            name_zh=profile.name_zh,
            summary_zh=profile.summary_zh,
            engagement_types=profile.engagement_types,
            willing_to_travel=profile.willing_to_travel,
            availability_note=profile.availability_note,
        )
        for language in profile.languages.all():
            self.initial[f"lang_{language.language}"] = language.proficiency
        for row, availability in enumerate(profile.availability.all()[:AVAILABILITY_ROWS]):
            self.initial[f"avail_{row}_from"] = availability.starts_on
            self.initial[f"avail_{row}_to"] = availability.ends_on

    @property
    def language_fields(self):
        return [self[f"lang_{code}"] for code in Language.values]

    @property
    def availability_rows(self):
        return [
            (row + 1, self[f"avail_{row}_from"], self[f"avail_{row}_to"])
            for row in range(AVAILABILITY_ROWS)
        ]

    def clean(self):
        data = super().clean()
        ranges = []
        for row in range(AVAILABILITY_ROWS):
            start, end = data.get(f"avail_{row}_from"), data.get(f"avail_{row}_to")
            if start and end and end < start:
                self.add_error(
                    f"avail_{row}_to", _("The end date is before the start date; swap them.")
                )
            elif start or end:
                ranges.append((start or end, end or start))
        data["availability"] = ranges
        return data

    def details(self) -> ExpertDetails:
        data = self.cleaned_data
        return ExpertDetails(
            areas=list(data["areas"]),
            summary=data["summary"],
            years_in_local_government=data["years_in_local_government"],
            bio=data["bio"],
            name_zh=data["name_zh"],
            summary_zh=data["summary_zh"],
            languages=[
                (code, data[f"lang_{code}"])
                for code in Language.values
                if data.get(f"lang_{code}") is not None
            ],
            engagement_types=data["engagement_types"],
            willing_to_travel=data["willing_to_travel"],
            availability=data["availability"],
            availability_note=data["availability_note"],
        )


class ConsentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_("I agree to the text above"),
        error_messages={"required": _("Tick the box to give your consent, or leave this page.")},
    )


class InvitationAnswerForm(forms.Form):
    note = forms.CharField(
        label=_("Note to ICMA (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example, dates that suit you or why you cannot take part."),
    )


class AssistanceRequestForm(HeaderSafeFieldsMixin, forms.ModelForm):
    # The title is the subject of the invitation e-mail.
    header_safe_fields = ("title", "title_zh", "city", "province")
    topics = _areas_field(
        label=_("Topics"),
        error_messages={"required": _("Choose at least one topic: matching is by shared topics.")},
    )
    languages_needed = forms.MultipleChoiceField(
        label=_("Language needs"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Experts need one of these at professional working level or better."),
    )

    class Meta:
        model = AssistanceRequest
        fields = [
            "partner",
            "title",
            "description",
            "title_zh",
            "description_zh",
            "topics",
            "engagement_type",
            "city",
            "province",
            "starts_on",
            "ends_on",
            "languages_needed",
            "experts_wanted",
            "status",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "title_zh": forms.TextInput(attrs={"lang": "zh-Hans"}),
            "description_zh": forms.Textarea(attrs={"rows": 5, "lang": "zh-Hans"}),
        }
        help_texts = {
            "title_zh": _("Optional: the partner's own wording, shown in the Chinese dossier."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partners = PartnerOrganization.objects.filter(is_active=True)
        if self.instance.pk:
            partners = partners | PartnerOrganization.objects.filter(pk=self.instance.partner_id)
        self.fields["partner"].queryset = partners.distinct()
        self.fields["partner"].label_from_instance = _both_names
        self.fields["partner"].empty_label = _("Choose the partner…")
        self.fields["engagement_type"].choices = [
            ("", _("Choose the kind of engagement…")),
            *EngagementType.choices,
        ]
        self.fields["partner"].help_text = format_html(
            '{} <a href="{}">{}</a>.',
            _("Missing a ministry, province or city?"),
            reverse("admin:experts_partnerorganization_add"),
            _("Add it to the partner organizations"),
        )

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date is before the start date; swap them."))
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "topics"}


class MatchFilterForm(forms.Form):
    only_language = forms.BooleanField(label=_("Speaks a needed language"), required=False)
    only_available = forms.BooleanField(label=_("Available on the dates"), required=False)
    only_engagement_type = forms.BooleanField(
        label=_("Accepts this kind of engagement"), required=False
    )
    only_travel = forms.BooleanField(label=_("Willing to travel"), required=False)


class PoolSearchForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=ExpertiseArea.objects.all(),
        required=False,
        empty_label=_("Any"),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any")), *Language.choices], required=False
    )
    engagement_type = forms.ChoiceField(
        label=_("Engagement type"),
        choices=[("", _("Any")), *EngagementType.choices],
        required=False,
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    state_province = forms.CharField(label=_("State or province"), max_length=100, required=False)
    available_from = forms.DateField(label=_("Available from"), required=False, widget=DateInput())
    available_to = forms.DateField(label=_("Available to"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any")), *countries]


class ConsentTextForm(forms.Form):
    body = forms.CharField(
        label=_("New consent text in English"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Publishing makes this the current version at once. Every expert must consent again "
            "before they can be matched or exported."
        ),
    )
    body_zh = forms.CharField(
        label=_("The same text in Simplified Chinese"),
        widget=forms.Textarea(attrs={"rows": 10, "lang": "zh-Hans"}),
        help_text=_("Members read both texts side by side and consent to both."),
        error_messages={
            "required": _("Write the Chinese text too: members consent to both versions.")
        },
    )
    confirm = forms.BooleanField(
        label=_("I understand that every expert must consent again to this version"),
        error_messages={"required": _("Tick this box to publish, or leave the page.")},
    )


class PartnerOrganizationAdminForm(HeaderSafeFieldsMixin, forms.ModelForm):
    """The admin's form for partners (the admin adds the model and fields); partner names
    appear in invitation e-mails."""

    header_safe_fields = ("name", "name_zh")
