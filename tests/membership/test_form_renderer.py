"""config/form_renderer.py: Django's form templates rendered from their Jinja2 copies give the
markup the template-language ones give, for the portal's forms, empty, filled and with errors;
a field's own template (the checkbox rows) still comes from templates/."""

import re

import pytest
from allauth.account.forms import LoginForm, SignupForm
from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.utils import translation

from billing import forms as billing_forms
from billing import staff_forms
from config.form_renderer import PortalFormRenderer
from experts import forms as expert_forms
from membership.forms import ProfileForm, SignupProfileForm

pytestmark = pytest.mark.django_db


def normalized(html: str) -> str:
    """Whitespace between tags aside, and the apostrophe, which Jinja2 escapes as &#39; and
    Django as &#x27; (the same character to a browser)."""
    html = str(html).strip().replace("&#39;", "&#x27;")
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html))


def forms_to_compare(member):
    return {
        "profile": lambda **kw: ProfileForm(instance=member, **kw),
        "signup profile": SignupProfileForm,
        "signup": SignupForm,
        "login": LoginForm,
        "checkout": billing_forms.MembershipCheckoutForm,
        "member search": staff_forms.MemberSearchForm,
        "record cheque": staff_forms.RecordChequeForm,
        "purchase order": staff_forms.PurchaseOrderForm,
        "credit note": staff_forms.CreditNoteForm,
        "cancel invoice": staff_forms.InvoiceCancelForm,
        "waiver decision": staff_forms.WaiverDecisionForm,
        "refund": staff_forms.PaymentRefundForm,
        "expert profile": lambda **kw: expert_forms.ExpertProfileForm(needs_consent=True, **kw),
        "consent": expert_forms.ConsentForm,
        "invitation answer": expert_forms.InvitationAnswerForm,
        "pool search": expert_forms.PoolSearchForm,
        "consent text": expert_forms.ConsentTextForm,
    }


def test_the_renderer_is_the_portals():
    assert settings.FORM_RENDERER == "config.form_renderer.PortalFormRenderer"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("state", ["empty", "with errors"])
def test_every_form_renders_the_markup_of_djangos_template_language(member, language, state):
    compared = 0
    with translation.override(language):
        for name, make in forms_to_compare(member).items():
            html = {}
            for label, renderer in (("jinja2", PortalFormRenderer()), ("dtl", TemplatesSetting())):
                form = make(data={} if state == "with errors" else None, renderer=renderer)
                if state == "with errors":
                    form.is_valid()
                parts = [form.as_div(), str(form.non_field_errors())]
                parts += [form[field].as_field_group() for field in form.fields]
                html[label] = [normalized(part) for part in parts]
            assert html["jinja2"] == html["dtl"], name
            compared += 1
    assert compared == len(forms_to_compare(member))


def test_errors_show_through_the_new_renderer(member):
    form = ProfileForm(data={"full_name": ""}, instance=member, renderer=PortalFormRenderer())
    assert not form.is_valid()
    html = form["full_name"].as_field_group()
    assert 'class="errorlist"' in html
    assert 'aria-invalid="true"' in html


def test_a_fields_own_template_still_comes_from_the_project(member):
    form = billing_forms.MembershipCheckoutForm(renderer=PortalFormRenderer())
    own = [name for name, field in form.fields.items() if field.template_name]
    assert own, "the checkout form has fields with their own template"
    for name in own:
        assert form.fields[name].template_name == "includes/checkbox_field.html"
        assert form.renderer.get_template(form.fields[name].template_name).origin.name.endswith(
            "templates/includes/checkbox_field.html"
        )
