from django import forms
from django.utils.translation import gettext_lazy as _


class TemplateEditForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=998)
    body_text = forms.CharField(
        label=_("Plain-text body"), widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"})
    )
    body_html = forms.CharField(
        label=_("HTML body (optional)"),
        required=False,
        help_text=_("Variables are escaped in HTML. Leave empty to send plain text only."),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    member_number = forms.CharField(
        label=_("Preview for member number"),
        required=False,
        max_length=20,
        help_text=_("A real member's number, e.g. M-000001. Empty: the first member."),
    )
