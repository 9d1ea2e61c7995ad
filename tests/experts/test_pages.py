"""The pool's pages through the test client: forms, entry points, search, query budgets."""

from datetime import date

import pytest
from django.urls import reverse

from experts.models import ExpertiseArea, ExpertProfile
from experts.models.taxonomy import LANGUAGE_BIT, Language
from experts.services.profiles import consent_text_publish
from tests.experts.factories import area, current_consent, make_expert, make_request

pytestmark = pytest.mark.django_db


def volunteer_data(**overrides):
    data = {
        "areas": [area("eco-friendly-urbanization").pk, area("sustainable-development").pk],
        "years_in_local_government": "18",
        "summary": "Led a green-infrastructure plan for a mid-sized city.",
        "engagement_types": ["workshop", "study_tour"],
        "willing_to_travel": "on",
        "lang_en": "4",
        "lang_cmn": "2",
        "avail_0_from": "2027-03-01",
        "avail_0_to": "2027-03-31",
        "consent": "on",
        "consent_version": str(current_consent().version),
    }
    data.update(overrides)
    return data


def test_profile_page_offers_to_volunteer(member_client):
    page = member_client.get(reverse("membership:profile")).content.decode()
    assert "Volunteer as an expert" in page
    assert reverse("experts:volunteer") in page


def test_volunteering_through_the_form_joins_the_pool(member_client, member):
    response = member_client.post(reverse("experts:volunteer"), volunteer_data())
    assert response.status_code == 302
    profile = ExpertProfile.objects.get(member=member)
    assert profile.accepts_workshop and profile.accepts_study_tour
    assert profile.consent_text == current_consent()
    assert {a.slug for a in profile.areas.all()} == {
        "eco-friendly-urbanization",
        "sustainable-development",
    }


def test_volunteering_without_ticking_consent_explains_why(member_client, member):
    response = member_client.post(reverse("experts:volunteer"), volunteer_data(consent=""))
    assert response.status_code == 200
    assert "we cannot share your profile without your consent" in response.content.decode()
    assert not ExpertProfile.objects.filter(member=member).exists()


def test_end_date_before_start_date_is_explained(member_client):
    data = volunteer_data(avail_0_from="2027-03-31", avail_0_to="2027-03-01")
    response = member_client.post(reverse("experts:volunteer"), data)
    assert "The end date is before the start date" in response.content.decode()


def test_masks_follow_areas_and_working_languages(member_client, member):
    member_client.post(reverse("experts:volunteer"), volunteer_data(lang_yue="1"))
    profile = ExpertProfile.objects.get(member=member)
    assert profile.area_mask == area("eco-friendly-urbanization").mask | (
        area("sustainable-development").mask
    )
    # Cantonese at basic level is listed but does not count for matching.
    assert profile.language_mask == (1 << LANGUAGE_BIT["en"]) | (1 << LANGUAGE_BIT["cmn"])


def test_every_language_has_a_bit():
    assert set(LANGUAGE_BIT) == set(Language.values)
    assert len(set(LANGUAGE_BIT.values())) == len(LANGUAGE_BIT)


def test_a_new_area_gets_the_next_unused_bit():
    highest = max(ExpertiseArea.objects.values_list("bit", flat=True))
    created = ExpertiseArea.objects.create(name="Water management", slug="water")
    assert created.bit == highest + 1


def test_after_a_new_consent_text_the_member_is_asked_again(
    member_client, member, international_staff
):
    make_expert(member=member)
    consent_text_publish(body="Version two.", by=international_staff)
    page = member_client.get(reverse("experts:mine")).content.decode()
    assert "The consent text has changed." in page
    response = member_client.post(reverse("experts:consent"), {"version": "2", "consent": "on"})
    assert response.status_code == 302
    assert ExpertProfile.objects.get(member=member).consent_text.version == 2


def test_withdraw_asks_for_confirmation_first(member_client, member):
    make_expert(member=member)
    page = member_client.get(reverse("experts:withdraw")).content.decode()
    assert "Yes, withdraw and delete my CV" in page
    assert ExpertProfile.objects.get(member=member).status == "active"


def test_withdraw_by_post(member_client, member):
    make_expert(member=member)
    member_client.post(reverse("experts:withdraw"))
    assert ExpertProfile.objects.get(member=member).status == "withdrawn"


def test_staff_search_filters_by_language(intl_client):
    speaker = make_expert(full_name="Mandarin Speaker", languages=[("cmn", 3)])
    make_expert(full_name="English Only", languages=[("en", 4)])
    page = intl_client.get(reverse("experts:staff_search"), {"language": "cmn"})
    assert [p.pk for p in page.context["page"].object_list] == [speaker.pk]


def test_staff_search_filters_by_state(intl_client):
    texan = make_expert(full_name="Texan Expert", state_province="TX")
    make_expert(full_name="Virginian Expert", state_province="VA")
    filters = {"country": "US", "state_province": "tx"}
    page = intl_client.get(reverse("experts:staff_search"), filters)
    assert [p.pk for p in page.context["page"].object_list] == [texan.pk]


def test_staff_search_leaves_out_withdrawn_experts(intl_client):
    from experts.services.profiles import expert_withdraw

    gone = make_expert(full_name="Gone Expert")
    expert_withdraw(member=gone.member)
    page = intl_client.get(reverse("experts:staff_search"))
    assert gone.pk not in [p.pk for p in page.context["page"].object_list]


def test_overview_counts_by_area_and_engagement_type(intl_client):
    make_expert(areas=["emergency-management"], engagement_types=["remote_advice"])
    make_request(title="Emergency drills for Chengdu")
    response = intl_client.get(reverse("experts:staff_overview"))
    overview = response.context["overview"]
    counts = {a.slug: a.expert_count for a in overview["areas"]}
    assert counts["emergency-management"] == 1
    assert dict(overview["engagement_types"])["Remote advice"] == 1
    assert "Emergency drills for Chengdu" in response.content.decode()


def test_staff_create_a_request_through_the_form(intl_client):
    from experts.models import AssistanceRequest, PartnerOrganization

    partner = PartnerOrganization.objects.get(name="Yangzhou training base")
    response = intl_client.post(
        reverse("experts:staff_request_new"),
        {
            "partner": partner.pk,
            "title": "Study tour on survey research",
            "topics": [area("survey-research").pk],
            "engagement_type": "study_tour",
            "languages_needed": ["en"],
            "experts_wanted": "2",
            "status": "open",
        },
    )
    assert response.status_code == 302
    request = AssistanceRequest.objects.get(title="Study tour on survey research")
    assert request.partner == partner and request.languages_needed == ["en"]


def test_matching_page_lists_experts_with_their_reasons(intl_client):
    make_expert(full_name="Topic Sharer", areas=["city-county-management"])
    request = make_request()
    page = intl_client.get(reverse("experts:staff_request_matches", args=[request.pk]))
    html = page.content.decode()
    assert "Topic Sharer" in html
    assert "Topic: City/county management" in html


def test_matching_page_past_the_end_shows_the_last_page(intl_client):
    make_expert(full_name="Only Match")
    request = make_request()
    url = reverse("experts:staff_request_matches", args=[request.pk])
    response = intl_client.get(url, {"page": "9"})
    assert response.context["page"].number == 1
    assert "Only Match" in response.content.decode()


@pytest.mark.parametrize("experts", [1, 30])
def test_matching_page_query_count_does_not_grow(
    intl_client, experts, django_assert_max_num_queries
):
    for _ in range(experts):
        make_expert(availability=[(date(2027, 3, 1), date(2027, 3, 2))])
    request = make_request()
    with django_assert_max_num_queries(10):
        response = intl_client.get(reverse("experts:staff_request_matches", args=[request.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("with_invitations", [False, True])
def test_home_and_profile_pages_stay_within_budget(
    member_client, member, international_staff, with_invitations, django_assert_max_num_queries
):
    from experts.services.requests import engagement_invite, engagement_shortlist

    profile = make_expert(member=member)
    if with_invitations:
        for n in range(3):
            engagement = engagement_shortlist(
                request=make_request(title=f"Request {n}"), profile=profile, by=international_staff
            )
            engagement_invite(engagement=engagement, by=international_staff)
    with django_assert_max_num_queries(10):
        assert member_client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(10):
        assert member_client.get(reverse("membership:profile")).status_code == 200


def test_international_staff_can_add_a_partner_in_the_admin(client):
    from tests.factories import staff_user

    client.force_login(staff_user(groups=["International programs staff"]))
    response = client.get(reverse("admin:experts_partnerorganization_add"))
    assert response.status_code == 200
    response = client.get(reverse("admin:experts_expertisearea_changelist"))
    assert response.status_code == 200


def test_publishing_a_consent_text_needs_the_confirmation_box(intl_client):
    url = reverse("experts:staff_consent")
    texts = {"body": "Version two.", "body_zh": "第二版。"}
    response = intl_client.post(url, texts)
    assert "Tick this box to publish" in response.content.decode()
    assert current_consent().version == 1
    intl_client.post(url, {**texts, "confirm": "on"})
    published = current_consent()
    assert (published.version, published.body, published.body_zh) == (2, "Version two.", "第二版。")


@pytest.mark.parametrize("experts", [1, 30])
@pytest.mark.parametrize("url_name", ["staff_overview", "staff_search", "staff_requests"])
def test_staff_pool_pages_query_count_does_not_grow(
    intl_client, experts, url_name, django_assert_max_num_queries
):
    for n in range(experts):
        make_expert(languages=[("en", 4), ("cmn", 3)])
        if n < 3:
            make_request(title=f"Request {n}")
    with django_assert_max_num_queries(12):
        response = intl_client.get(reverse(f"experts:{url_name}"))
    assert response.status_code == 200


def test_home_page_asks_for_consent_after_a_new_text(member_client, member, international_staff):
    make_expert(member=member)
    assert "The consent text has changed" not in member_client.get(reverse("home")).content.decode()
    consent_text_publish(body="Version two.", by=international_staff)
    page = member_client.get(reverse("home")).content.decode()
    assert "The consent text has changed" in page
    assert reverse("experts:consent") in page


def test_staff_search_filters_by_availability_and_area(intl_client):
    fits = make_expert(
        areas=["emergency-management"], availability=[(date(2027, 5, 1), date(2027, 5, 20))]
    )
    make_expert(areas=["emergency-management"], availability=[(date(2027, 7, 1), date(2027, 7, 9))])
    make_expert(areas=["citizen-engagement"], availability=[(date(2027, 5, 1), date(2027, 5, 9))])
    filters = {
        "area": area("emergency-management").pk,
        "available_from": "2027-05-10",
        "available_to": "2027-05-12",
    }
    page = intl_client.get(reverse("experts:staff_search"), filters)
    assert [p.pk for p in page.context["page"].object_list] == [fits.pk]
