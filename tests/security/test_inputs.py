"""Input the pages must refuse politely: what fuzzing found gave a 500 or stored bad data."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from experts.models import Engagement, ExpertiseArea
from membership.models import Membership
from membership.services.lifecycle import waiver_request
from tests.experts.factories import make_expert, make_request
from tests.factories import MemberFactory, issue_invoice, pay_invoice
from tests.membership.dues_helpers import draft_from_current, edit_form_data, rate_index

pytestmark = pytest.mark.django_db

NOT_PATHS = ["billing_staff:waiver_list", "foo", "javascript:alert(1)", "\x00", "..", "%00"]


@pytest.fixture
def waiver():
    member = MemberFactory()
    pay_invoice(issue_invoice(member))
    return waiver_request(member=member, reason="My town merged with the county.")


@pytest.mark.parametrize("target", NOT_PATHS)
def test_a_waiver_decision_with_a_next_that_is_not_a_path_returns_to_the_queue(
    staff_client, waiver, target
):
    url = reverse("billing_staff:waiver_decide", args=[waiver.pk])
    response = staff_client.post(url, {"decision": "approve", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_staff:waiver_list")


@pytest.mark.parametrize("target", NOT_PATHS)
def test_a_shortlist_with_a_next_that_is_not_a_path_returns_to_the_request(intl_client, target):
    assistance = make_request()
    profile = make_expert()
    url = reverse("experts:staff_shortlist", args=[assistance.pk])
    response = intl_client.post(url, {"profile": str(profile.pk), "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:staff_request", args=[assistance.pk])
    assert Engagement.objects.filter(request=assistance, profile=profile).exists()


def test_a_next_path_on_the_site_is_still_followed(intl_client):
    assistance = make_request()
    profile = make_expert()
    back = reverse("experts:staff_request_matches", args=[assistance.pk]) + "?page=2"
    response = intl_client.post(
        reverse("experts:staff_shortlist", args=[assistance.pk]),
        {"profile": str(profile.pk), "next": back},
    )
    assert response["Location"] == back


@pytest.fixture
def renewing_member(member):
    pay_invoice(issue_invoice(member, on=dt.date(2026, 7, 15)), on=dt.date(2026, 7, 15))
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    return member


def renew_data(member, **overrides):
    from membership.models import MembershipCategory

    data = {
        "category": str(MembershipCategory.objects.get(code="full").pk),
        "position": member.position,
        "annual_salary": "150000",
        "population": "250000",
        "general_fund_budget": "300000000",
        "payment_method": "offline",
        "action": "confirm",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("installments", ["", None])
def test_renewing_with_installments_empty_or_missing_means_one_payment(
    member_client, renewing_member, installments
):
    before = Invoice.objects.filter(member=renewing_member).count()
    response = member_client.post(
        reverse("billing:renew"), renew_data(renewing_member, installments=installments)
    )
    assert response.status_code == 302
    invoice = Invoice.objects.filter(member=renewing_member).latest("pk")
    assert Invoice.objects.filter(member=renewing_member).count() == before + 1
    assert invoice.installment_count == 1


@pytest.mark.parametrize("value", ["sNaN", "NaN", "-sNaN", "Infinity", "-inf"])
@pytest.mark.parametrize("field", ["percent", "minimum", "cap"])
def test_a_dues_rate_that_is_not_a_number_is_refused_with_a_field_error(staff_client, field, value):
    draft = draft_from_current()
    index = rate_index(draft, "full")
    before = draft.rates.get(category__code="full")
    response = staff_client.post(
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        edit_form_data(draft, rates={index: {field: value}}),
    )
    assert response.status_code == 200
    assert response.context["rates"].forms[index].errors[field]
    after = draft.rates.get(category__code="full")
    assert (after.percent_bp, after.minimum_cents, after.cap_cents) == (
        before.percent_bp,
        before.minimum_cents,
        before.cap_cents,
    )


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63), "-99999999999999999999"])
def test_a_matching_page_number_past_bigint_shows_a_page(intl_client, page):
    assistance = make_request()
    make_expert()
    url = reverse("experts:staff_request_matches", args=[assistance.pk])
    response = intl_client.get(url, {"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("session_id", ["cs_\x00", "\x00", "cs_test\x00' OR 1=1"])
def test_a_card_success_session_id_with_nul_is_refused(member_client, session_id):
    response = member_client.get(reverse("stripe:success"), {"session_id": session_id})
    assert response.status_code == 404


# --- Header-safe text: what becomes an e-mail subject or header is one line ---------------

LINE_BREAKS = ["Line\r\nBcc: x@example.org", "one\ntwo", "cr\ronly", "nul\x00", "sep\u2028x"]


@pytest.mark.parametrize("text", LINE_BREAKS)
def test_header_safe_text_refuses_line_breaks_and_nul_with_what_to_do(text):
    from django.core.exceptions import ValidationError

    from membership.validators import header_safe

    with pytest.raises(ValidationError, match="Keep this on one line"):
        header_safe(text)


@pytest.mark.parametrize("text", ["Zhang Wei 张伟", "Ó Súilleabháin, Ciarán", "Tab\tinside"])
def test_header_safe_text_allows_ordinary_unicode_on_one_line(text):
    from membership.validators import header_safe

    header_safe(text)


@pytest.mark.parametrize("text", LINE_BREAKS[:3])
def test_an_assistance_request_title_with_a_line_break_is_refused_and_not_stored(intl_client, text):
    from experts.models import AssistanceRequest, PartnerOrganization

    partner = PartnerOrganization.objects.get(name="Yangzhou training base")
    response = intl_client.post(
        reverse("experts:staff_request_new"),
        {
            "partner": partner.pk,
            "title": text,
            "topics": [ExpertiseArea.objects.filter(is_active=True).first().pk],
            "engagement_type": "study_tour",
            "experts_wanted": "2",
            "status": "open",
        },
    )
    assert response.status_code == 200
    assert "Keep this on one line" in response.context["form"].errors["title"][0]
    assert not AssistanceRequest.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "employer", "job_title"])
def test_a_profile_name_employer_or_job_title_with_a_line_break_is_refused(
    member_client, member, field
):
    data = {
        "full_name": "Jordan Rivera",
        "position": member.position,
        "job_title": "City Manager",
        "employer": "City of Example",
        "country": "US",
        "state_province": "VA",
        field: "First line\r\nSecond line",
    }
    before = getattr(member, field)
    response = member_client.post(reverse("membership:profile"), data)
    assert response.status_code == 200
    assert "Keep this on one line" in response.context["form"].errors[field][0]
    member.refresh_from_db()
    assert getattr(member, field) == before


@pytest.mark.parametrize("field", ["full_name", "employer"])
def test_a_sign_up_name_or_employer_with_a_line_break_is_refused(field):
    from membership.forms import SignupProfileForm

    data = {"full_name": "Jordan Rivera", "position": "cao", "country": "US", "employer": "City"}
    data[field] = "Jordan\nRivera"
    form = SignupProfileForm(data)
    assert not form.is_valid()
    assert "Keep this on one line" in form.errors[field][0]


@pytest.mark.parametrize(
    ("model_path", "field"),
    [
        ("experts.models.PartnerOrganization", "name"),
        ("membership.models.Member", "full_name"),
        ("membership.models.Member", "employer"),
        ("membership.models.Member", "job_title"),
    ],
)
def test_the_admin_refuses_a_line_break_in_names_and_titles(rf, model_path, field):
    from django.contrib import admin
    from django.utils.module_loading import import_string

    model = import_string(model_path)
    form_class = admin.site._registry[model].get_form(rf.get("/"))
    form = form_class({field: "Name\r\nBcc: x@example.org"})
    form.is_valid()
    assert "Keep this on one line" in form.errors[field][0]
