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


class CampaignForm(forms.Form):
    """The message of a bulk send; its segment comes from the member search's form."""

    subject = forms.CharField(label=_("Subject"), max_length=300)
    body_text = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Plain text. A line with the member's own unsubscribe link is added at the end."
        ),
    )
    rate_per_minute = forms.IntegerField(
        label=_("Messages per minute"),
        min_value=1,
        max_value=100_000,
        initial=600,
        help_text=_("Sending never goes faster than this; lower it if the mail relay limits us."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, send this message to every member counted above."),
        required=False,
    )
