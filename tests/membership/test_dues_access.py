"""Every staff dues page: membership staff only (acceptance 5)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from membership.dues_selectors import dues_schedule_in_effect
from membership.models import MembershipCategory
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def staff_urls():

    schedule = dues_schedule_in_effect(on=timezone.localdate())
    category = MembershipCategory.objects.get(code="full")
    by_schedule = [
        "staff_schedule",
        "staff_schedule_edit",
        "staff_schedule_clone",
        "staff_schedule_preview",
        "staff_schedule_publish",
        "staff_schedule_delete",
    ]
    return [
        reverse("dues:staff_schedules"),
        reverse("dues:staff_history"),
        reverse("dues:staff_categories"),
        reverse("dues:staff_category_edit", args=[category.pk]),
        *(reverse(f"dues:{name}", args=[schedule.pk]) for name in by_schedule),
        # A run id that does not exist: staff get 404, everyone else is refused first.
        reverse("dues:staff_schedule_preview_progress", args=[schedule.pk, 999_999]),
    ]


URL_COUNT = 11


def test_the_list_of_staff_urls_is_complete():
    from membership import dues_urls

    staff_patterns = [p for p in dues_urls.urlpatterns if str(p.pattern).startswith("staff/")]
    assert len(staff_patterns) == URL_COUNT == len(staff_urls())


@pytest.mark.parametrize("index", range(URL_COUNT))
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_gets_403_on_every_staff_dues_url(member_client, index, method):
    url = staff_urls()[index]
    response = getattr(member_client, method)(url)
    assert response.status_code == 403, url


@pytest.mark.parametrize("index", range(URL_COUNT))
def test_international_staff_get_403_on_staff_dues_urls(client, index):
    client.force_login(staff_user(groups=["International programs staff"]))
    url = staff_urls()[index]
    assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("index", range(URL_COUNT))
def test_anonymous_visitors_are_sent_to_sign_in(client, index):
    url = staff_urls()[index]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4, 7])
def test_membership_staff_open_the_staff_dues_pages(staff_client, index):
    url = staff_urls()[index]
    assert staff_client.get(url).status_code == 200, url


def test_a_member_cannot_change_a_schedule_through_the_admin(member_client):
    schedule = dues_schedule_in_effect(on=timezone.localdate())
    response = member_client.get(f"/admin/membership/duesschedule/{schedule.pk}/change/")
    assert response.status_code in (302, 403, 404)
    assert "Save" not in response.content.decode()
