"""A member volunteers for the China expert pool from their profile, in a real Chromium, and
then appears in matching for a request on a shared topic (acceptance 1)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from experts.models import ExpertProfile
from tests.e2e.helpers import sign_in
from tests.experts.factories import make_expert, make_request
from tests.factories import MemberFactory, activate_membership, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in_as_staff(page, live_server, user) -> None:
    """Staff sign in with a TOTP code in real life; the test hands the browser a session."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_member_volunteers_from_the_profile_and_is_matched(page, screenshot):
    member = activate_membership(MemberFactory(full_name="Morgan Volunteer"))
    sign_in(page, member.user.email)

    page.goto("/profile/")
    screenshot("experts-profile-entry")
    page.get_by_role("link", name="Volunteer as an expert").click()
    page.wait_for_url(re.compile(r"/experts/volunteer/$"))

    page.get_by_label("Performance management").check()
    page.get_by_label("Budgeting and finance").check()
    page.get_by_label("Years in local government").fill("22")
    page.get_by_label("Professional summary").fill(
        "City manager who built a performance dashboard used by council and residents."
    )
    page.get_by_label("Mandarin Chinese").select_option(label="Professional working")
    page.get_by_label("One- or two-day workshop").check()
    page.get_by_label("I am willing to travel to China").check()
    page.get_by_label("Range 1: from").fill("2027-03-01")
    page.get_by_label("Range 1: to").fill("2027-03-31")

    # Without consent the form explains that nothing can be shared, and keeps the answers.
    page.get_by_role("button", name="Join the expert pool").click()
    page.wait_for_selector("text=we cannot share your profile without your consent")
    screenshot("experts-volunteer-needs-consent")
    assert page.get_by_label("Years in local government").input_value() == "22"
    assert not ExpertProfile.objects.filter(member=member).exists()

    page.get_by_label("I agree to the text above").check()
    screenshot("experts-volunteer-form")
    page.get_by_role("button", name="Join the expert pool").click()
    page.wait_for_selector("text=Welcome to the expert pool")
    screenshot("experts-mine-active")

    profile = ExpertProfile.objects.get(member=member)
    assert profile.status == ExpertProfile.Status.ACTIVE
    assert profile.consent_text.version == 1

    # The staff side: a request on a shared topic lists the new volunteer.
    staff = staff_user(groups=["International programs staff"])
    request = make_request(topics=["performance-management"], languages=["cmn"], by=staff)
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("experts:staff_request_matches", args=[request.pk]))
    assert "Morgan Volunteer" in response.content.decode()


def test_member_answers_an_invitation_in_the_browser(page, screenshot):
    from experts.services.requests import engagement_invite, engagement_shortlist

    staff = staff_user(groups=["International programs staff"])
    profile = make_expert(full_name="Robin Invitee", availability=[])
    request = make_request(title="Eco-friendly urbanization forum, Shenzhen", by=staff)
    engagement = engagement_shortlist(request=request, profile=profile, by=staff)
    engagement_invite(engagement=engagement, by=staff)

    sign_in(page, profile.member.user.email)
    screenshot("experts-home-invitation")
    page.get_by_role("link", name="Eco-friendly urbanization forum, Shenzhen").click()
    page.get_by_label("Note to ICMA (optional)").fill("The second week of March suits me.")
    screenshot("experts-invitation")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_selector("text=you accepted")
    screenshot("experts-invitation-accepted")
    engagement.refresh_from_db()
    assert engagement.status == "accepted"

    page.goto("/experts/withdraw/")
    screenshot("experts-withdraw-confirm")
    assert page.get_by_role("button", name="Yes, withdraw and delete my CV").is_visible()


def test_member_consents_again_after_a_new_text(page, screenshot):
    from experts.services.profiles import consent_text_publish

    staff = staff_user(groups=["International programs staff"])
    profile = make_expert(full_name="Casey Reconsent")
    consent_text_publish(body="Version two: ICMA may also share profiles with...", by=staff)

    sign_in(page, profile.member.user.email)
    assert page.get_by_text("The consent text has changed").is_visible()
    screenshot("experts-home-consent-changed")
    page.get_by_role("link", name="Read and consent").click()
    page.get_by_label("I agree to the text above").check()
    screenshot("experts-consent")
    page.get_by_role("button", name="Give consent").click()
    page.wait_for_selector("text=your consent has been recorded")
    profile.refresh_from_db()
    assert profile.consent_text.version == 2


def test_staff_pages_render(page, live_server, screenshot):
    from experts.services.requests import (
        engagement_invite,
        engagement_recommend,
        engagement_respond,
        engagement_shortlist,
    )

    staff = staff_user(groups=["International programs staff"])
    request = make_request(
        topics=["performance-management", "city-county-management"], languages=["cmn"], by=staff
    )
    experts = [
        make_expert(
            full_name=f"Expert {n}",
            areas=["performance-management", "city-county-management"][: 1 + n % 2],
            languages=[("en", 4), ("cmn", 2 + n % 2)] if n % 3 else [("en", 4)],
        )
        for n in range(6)
    ]
    for expert in experts[:3]:
        engagement = engagement_shortlist(request=request, profile=expert, by=staff)
        if expert is not experts[2]:
            engagement_invite(engagement=engagement, by=staff)
    first = request.engagements.get(profile=experts[0])
    engagement_respond(engagement=first, accept=True, note="Happy to help.")
    engagement_recommend(engagement=first, by=staff)

    sign_in_as_staff(page, live_server, staff)
    pages = {
        "experts-staff-overview": reverse("experts:staff_overview"),
        "experts-staff-requests": reverse("experts:staff_requests"),
        "experts-staff-request-new": reverse("experts:staff_request_new"),
        "experts-staff-matches": reverse("experts:staff_request_matches", args=[request.pk]),
        "experts-staff-search": reverse("experts:staff_search"),
        "experts-staff-profile": reverse("experts:staff_profile", args=[experts[0].pk]),
        "experts-staff-consent": reverse("experts:staff_consent"),
        "experts-staff-dossier": reverse("experts:staff_dossier_print", args=[request.pk]),
        "experts-staff-request": reverse("experts:staff_request", args=[request.pk]),
        "experts-staff-exports": reverse("experts:staff_exports"),
    }
    for name, url in pages.items():
        page.goto(url)
        assert page.locator("h1").first.is_visible(), url
        screenshot(name)
    page.emulate_media(media="print")
    page.goto(reverse("experts:staff_dossier_print", args=[request.pk]))
    screenshot("experts-staff-dossier-print")
    assert not page.locator(".site-header").is_visible()
