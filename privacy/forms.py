from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CLOSE_WORD = "CLOSE"


class CloseOwnAccountForm(forms.Form):
    confirmation = forms.CharField(
        label=gettext_lazy("Type your e-mail address or the word CLOSE to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"].strip()
        if typed != CLOSE_WORD and typed.lower() != self.email.lower():
            raise forms.ValidationError(
                _("That is neither your e-mail address nor CLOSE; your account is still open.")
            )
        return typed


class StaffReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (the member's request, how and when it was made)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StaffCloseForm(StaffReasonForm):
    member_number = forms.CharField(
        label=gettext_lazy("Type the member number to confirm"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, member_number: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = member_number

    def clean_member_number(self):
        typed = self.cleaned_data["member_number"].strip().upper()
        if typed != self.expected.upper():
            raise forms.ValidationError(_("That is not this member's number; nothing was closed."))
        return typed
