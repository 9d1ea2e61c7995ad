import pytest
from django.urls import reverse

from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_staff_without_totp_is_sent_to_set_it_up_before_admin(client):
    user = staff_user(groups=["Membership staff"], with_totp=False)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_without_totp_is_sent_to_set_it_up_before_staff_pages(client):
    user = staff_user(groups=["Membership staff"], with_totp=False)
    client.force_login(user)
    response = client.get("/staff/anything/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_totp_reach_the_admin(client):
    client.force_login(staff_user(groups=["Membership staff"]))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "ICMA membership portal administration" in response.content.decode()


def test_setting_off_lets_staff_in_without_totp(client, settings):
    settings.STAFF_REQUIRE_2FA = False
    client.force_login(staff_user(groups=["Membership staff"], with_totp=False))
    assert client.get("/admin/").status_code == 200


def test_members_without_totp_are_not_bothered(member_client):
    # Not staff: the admin login wall answers, not the two-factor setup page.
    response = member_client.get("/admin/")
    assert response["Location"] != reverse("mfa_activate_totp")


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_two_factor_step_holds_under_a_url_prefix(client):
    # Behind a proxy that mounts the portal at /portal, request.path starts with /portal/.
    client.force_login(staff_user(groups=["Membership staff"], with_totp=False))
    response = client.get("/staff/anything/", SCRIPT_NAME="/portal")
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("mfa_activate_totp"))


def test_staff_without_totp_are_sent_to_set_it_up_before_a_members_page(client, member):
    client.force_login(staff_user(groups=["Membership staff"], with_totp=False))
    response = client.get(reverse("membership:member_detail", args=[member.member_number]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_without_totp_are_sent_to_set_it_up_before_a_members_invoice(client, member):
    from tests.factories import issue_invoice

    invoice = issue_invoice(member)
    client.force_login(staff_user(groups=["Membership staff"], with_totp=False))
    for name in ("billing:invoice", "stripe:cancel"):
        response = client.get(reverse(name, args=[invoice.number]))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_without_totp_still_see_their_own_member_page(client):
    user = staff_user(groups=["Membership staff"], with_totp=False)
    client.force_login(user)
    response = client.get(reverse("membership:member_detail", args=[user.member.member_number]))
    assert response.status_code == 200
