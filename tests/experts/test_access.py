"""Who may open which expert-pool URL (acceptance 5): every URL of the app is listed here."""

import pytest
from django.urls import reverse

from experts import urls as expert_urls
from experts.services.requests import engagement_invite, engagement_shortlist
from tests.experts.factories import make_expert, make_request, pdf_upload
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db

EXPERT_NAME = "Quinn Expertname"


@pytest.fixture
def world(international_staff):
    """A request, an expert with a CV, and an invitation to that expert."""
    request = make_request(title="Eco-city planning talk")
    expert = make_expert(full_name=EXPERT_NAME, cv=pdf_upload())
    engagement = engagement_shortlist(request=request, profile=expert, by=international_staff)
    engagement_invite(engagement=engagement, by=international_staff)
    return {"request": request, "expert": expert, "engagement": engagement}


def staff_urls(world) -> list[tuple[str, str]]:
    pk, e = world["request"].pk, world["engagement"].pk
    profile = world["expert"].pk
    return [
        ("get", reverse("experts:staff_overview")),
        ("get", reverse("experts:staff_search")),
        ("get", reverse("experts:staff_profile", args=[profile])),
        ("get", reverse("experts:staff_profile_cv", args=[profile])),
        ("get", reverse("experts:staff_consent")),
        ("post", reverse("experts:staff_consent")),
        ("get", reverse("experts:staff_exports")),
        ("get", reverse("experts:staff_requests")),
        ("get", reverse("experts:staff_request_new")),
        ("get", reverse("experts:staff_request", args=[pk])),
        ("get", reverse("experts:staff_request_edit", args=[pk])),
        ("get", reverse("experts:staff_request_matches", args=[pk])),
        ("post", reverse("experts:staff_shortlist", args=[pk])),
        ("post", reverse("experts:staff_engagement_action", args=[pk, e, "recommend"])),
        ("get", reverse("experts:staff_dossier_csv", args=[pk])),
        ("get", reverse("experts:staff_dossier_print", args=[pk])),
        ("get", reverse("experts:staff_dossier_pdf", args=[pk]) + "?lang=both"),
    ]


def member_urls(world) -> list[tuple[str, str]]:
    return [
        ("get", reverse("experts:mine")),
        ("get", reverse("experts:volunteer")),
        ("get", reverse("experts:consent")),
        ("post", reverse("experts:pause")),
        ("post", reverse("experts:resume")),
        ("get", reverse("experts:withdraw")),
        ("get", reverse("experts:cv")),
        ("get", reverse("experts:invitation", args=[world["engagement"].pk])),
    ]


def test_every_url_of_the_app_is_covered_here(world):
    listed = {url for _method, url in staff_urls(world) + member_urls(world)}
    names = {pattern.name for pattern in expert_urls.urlpatterns}
    covered = {name for name in names if any(reverse_name_matches(name, url) for url in listed)}
    assert covered == names


def reverse_name_matches(name: str, url: str) -> bool:
    from django.urls import resolve

    return resolve(url.split("?")[0]).url_name == name


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, world):
    for method, url in staff_urls(world) + member_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_membership_staff_without_the_international_group_see_no_expert_data(client, world):
    client.force_login(staff_user(groups=["Membership staff"]))
    for method, url in staff_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code in {403, 404}, url
        assert EXPERT_NAME.encode() not in response.content, url


def test_members_cannot_open_staff_pages(client, world):
    client.force_login(MemberFactory().user)
    for method, url in staff_urls(world):
        assert getattr(client, method)(url).status_code in {403, 404}, url


def test_international_staff_open_every_staff_page(client, world):
    client.force_login(staff_user(groups=["International programs staff"]))
    for method, url in staff_urls(world):
        if method == "get":
            response = client.get(url)
            if response.streaming:  # reading to the end closes the file (CV, CSV)
                b"".join(response.streaming_content)
            assert response.status_code == 200, url


def test_international_staff_without_totp_are_sent_to_set_it_up(client, world):
    client.force_login(staff_user(groups=["International programs staff"], with_totp=False))
    response = client.get(reverse("experts:staff_profile_cv", args=[world["expert"].pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_member_cannot_open_someone_elses_invitation(client, world):
    client.force_login(MemberFactory().user)
    url = reverse("experts:invitation", args=[world["engagement"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "accept"}).status_code == 404


def test_the_expert_opens_their_own_invitation(client, world):
    client.force_login(world["expert"].member.user)
    url = reverse("experts:invitation", args=[world["engagement"].pk])
    assert world["request"].title in client.get(url).content.decode()


def test_member_pages_show_only_the_members_own_profile(client, world):
    other = make_expert(full_name="Riley Otherexpert")
    client.force_login(other.member.user)
    page = client.get(reverse("experts:mine")).content.decode()
    assert "Eco-city planning talk" not in page  # the other expert's invitation
    assert EXPERT_NAME not in page
    page = client.get(reverse("experts:volunteer")).content.decode()
    assert "Edit your expert profile" in page


def test_member_cv_url_serves_only_the_signed_in_members_cv(client, world):
    other = make_expert(full_name="Riley Otherexpert")
    client.force_login(other.member.user)
    assert client.get(reverse("experts:cv")).status_code == 404
