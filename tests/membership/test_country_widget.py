"""The country list rendered from a fragment built once per language: the same markup as
Django's Select, the member's country selected, and the field's validation unchanged."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django_countries.widgets import LazySelect

from membership.forms import ProfileForm
from membership.models import Member

pytestmark = pytest.mark.django_db


def normalized(html: str) -> str:
    # Jinja2 (the form renderer's Select) writes an apostrophe as &#39;, Django's escape() as
    # &#x27;: the same character to a browser.
    return re.sub(r">\s+<", "><", html.strip()).replace("&#39;", "&#x27;")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("data", [None, {"country": "CN"}, {"country": "ZZ"}])
def test_the_country_select_is_the_markup_djangos_select_renders(member, language, data):
    with translation.override(language):
        form = ProfileForm(data, instance=member)
        fast = str(form["country"])
        field = form.fields["country"]
        field.widget = LazySelect(choices=field.choices)
        assert normalized(fast) == normalized(str(form["country"]))


def test_the_members_country_is_the_selected_option(member):
    member.country = "NZ"
    html = str(ProfileForm(instance=member)["country"])
    assert re.findall(r"<option[^>]*selected[^>]*>[^<]*</option>", html) == [
        '<option value="NZ" selected>New Zealand</option>'
    ]
    assert '<label for="id_country"' in ProfileForm(instance=member)["country"].label_tag()


def test_a_country_outside_the_list_is_refused_and_one_in_it_saved(member_client, member):
    url = reverse("membership:profile")
    facts = {"full_name": "Pat Example", "position": "cao", "country": "ZZ"}
    response = member_client.post(url, facts)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Member.objects.get(pk=member.pk).country == "US"
    member_client.post(url, {**facts, "country": "CN"})
    assert Member.objects.get(pk=member.pk).country == "CN"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("data", [None, {"country": "CN"}, {"country": ""}])
def test_the_staff_search_country_filter_is_djangos_markup_and_choices(language, data):
    from django.forms.widgets import Select

    from billing.staff_forms import MemberSearchForm

    with translation.override(language):
        form = MemberSearchForm(data)
        fast = str(form["country"])
        field = form.fields["country"]
        field.widget = Select(choices=field.choices)
        assert normalized(fast) == normalized(str(form["country"]))
        assert form.fields["country"].choices[0][0] == ""
    with translation.override("zh-hans"):
        assert dict(MemberSearchForm().fields["country"].choices)["CN"] == "中国"
