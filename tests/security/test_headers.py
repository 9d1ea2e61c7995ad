"""Response headers that protect members' data: CSP, Permissions-Policy, no caching of personal
pages and files, and shorter sessions for staff."""

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import MemberFactory, issue_invoice, pay_invoice, staff_user

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


# --- Content-Security-Policy ---


def test_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("home"))
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_scripts_run_only_from_the_portals_own_files(client):
    policy = directives(client.get(reverse("dues:calculator")))
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("script-src-attr", [])


def test_styles_come_from_the_portals_own_files(client):
    policy = directives(client.get(reverse("home")))
    assert policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("style-src-attr", [])


def test_signed_in_pages_carry_the_policy_too(member_client):
    assert "Content-Security-Policy" in member_client.get(reverse("billing:dashboard"))


# --- Permissions-Policy ---


@pytest.mark.parametrize("feature", ["camera", "microphone", "geolocation", "payment", "usb"])
def test_device_features_are_switched_off(client, feature):
    header = client.get(reverse("home"))["Permissions-Policy"]
    features = dict(item.strip().split("=", 1) for item in header.split(","))
    assert features[feature] == "()"


def test_permissions_policy_is_sent_to_signed_in_members(member_client):
    assert "camera=()" in member_client.get(reverse("membership:profile"))["Permissions-Policy"]


# --- Cache-Control on personal data ---


@pytest.fixture
def paid_invoice(member):
    invoice = issue_invoice(member)
    pay_invoice(invoice)
    invoice.refresh_from_db()
    return invoice


@pytest.mark.parametrize(
    ("url_name", "takes_invoice"),
    [
        ("billing:dashboard", False),
        ("membership:profile", False),
        ("billing:invoice", True),
        ("billing:receipt", True),
    ],
)
def test_a_members_pages_are_never_stored_by_browsers_or_proxies(
    member_client, paid_invoice, url_name, takes_invoice
):
    args = [paid_invoice.number] if takes_invoice else []
    response = member_client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)


def test_the_receipt_pdf_is_never_stored(member_client, paid_invoice):
    response = member_client.get(reverse("billing:receipt_pdf", args=[paid_invoice.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= cache_control(response)


def test_the_member_csv_export_is_never_stored(
    staff_client, membership_staff, django_capture_on_commit_callbacks
):
    from billing.models import MemberExport

    MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("billing_staff:member_export"))
    export = MemberExport.objects.get(requested_by=membership_staff)
    response = staff_client.get(reverse("billing_staff:member_export_download", args=[export.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert {"private", "no-store"} <= cache_control(response)


def test_the_staff_member_page_is_never_stored(staff_client, member):
    response = staff_client.get(reverse("billing_staff:member_detail", args=[member.member_number]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)


def test_a_public_page_for_an_anonymous_visitor_is_not_marked_no_store(client):
    response = client.get(reverse("dues:calculator"))
    assert "no-store" not in cache_control(response)


def test_a_file_download_is_never_stored_even_without_a_session():
    """The rule does not depend on the view: any attachment counts as personal data."""
    from django.contrib.auth.models import AnonymousUser

    from config.middleware import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse(b"a,b\n", content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="export.csv"'
        response["Cache-Control"] = "public, max-age=3600"
        return response

    request = RequestFactory().get("/anything.csv")
    request.user = AnonymousUser()
    response = SecurityHeadersMiddleware(view)(request)
    assert {"private", "no-store"} <= cache_control(response)
    assert "public" not in cache_control(response)


# --- Shorter sessions for staff ---


def test_staff_session_length_defaults_to_eight_hours():
    assert django_settings.STAFF_SESSION_SECONDS == 8 * 60 * 60


def test_a_staff_login_gets_the_short_session(client, settings):
    settings.STAFF_SESSION_SECONDS = 3600
    client.force_login(staff_user(groups=["Membership staff"]))
    assert client.session.get_expiry_age() == 3600


def test_a_staff_group_member_without_is_staff_gets_the_short_session(client, settings):
    settings.STAFF_SESSION_SECONDS = 3600
    client.force_login(staff_user(groups=["International programs staff"], is_staff=False))
    assert client.session.get_expiry_age() == 3600


def test_a_superuser_gets_the_short_session(client, settings):
    settings.STAFF_SESSION_SECONDS = 3600
    user = staff_user(groups=[], is_staff=False)
    user.is_superuser = True
    user.save()
    client.force_login(user)
    assert client.session.get_expiry_age() == 3600


def test_a_member_keeps_the_usual_session_length(client, member, settings):
    settings.STAFF_SESSION_SECONDS = 3600
    client.force_login(member.user)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_a_staff_login_through_the_login_form_gets_the_short_session(client, settings):
    """The real sign-in (password, then the authenticator code) ends with the short session."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from tests.factories import PASSWORD
    from tests.totp import fresh_totp_code

    settings.STAFF_SESSION_SECONDS = 3600
    user = staff_user(groups=["Membership staff"])
    secret = generate_totp_secret()
    Authenticator.objects.filter(user=user).update(data={"secret": secret})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    code = fresh_totp_code(secret)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session.get_expiry_age() == 3600
