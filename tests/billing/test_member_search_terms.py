"""The member search finds the same members for a fixed set of terms, whatever the query
behind it (a scan with `icontains`, or indexed lookups). The staff list and the bulk-mail
segments share `members_search`, so both are checked through it.

The set: partial names, a whole name in any case, an accented name, an employer and part of
one, a whole e-mail in mixed case, the start of an e-mail up to its `@`, member numbers in
their usual forms, padding, characters LIKE treats specially, and a term nobody matches."""

import pytest
from django.utils import timezone

from billing.staff_selectors import MemberFilters, grace_days_now, members_search
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# (key, full name, employer, e-mail). No digits in e-mails, so a member number can only be
# the member's own; no employer word in an e-mail but the member's own name.
PEOPLE = [
    ("maria_accent", "María García", "Ciudad de Córdoba", "mgc@cordoba.example"),
    ("maria", "Maria Garcia", "City of Oak Grove", "maria.garcia@oakgrove.example"),
    ("mario", "Mario Garfield", "Town of Dover", "mgarf@dover.example"),
    ("gary", "Gary Smith", "Garland County", "gsmith@example.com"),
    ("wei", "Wei Chen", "City of Riverton", "WChen@city.example"),
    ("priya", "Priya Patel", "Riverton Water Authority", "ppatel@water.example"),
    ("sean", "Sean O'Brien", "Village of Lake Forest", "sob@lakeforest.example"),
]

TERMS = [
    ("Gar", {"maria_accent", "maria", "mario", "gary"}),
    ("gar", {"maria_accent", "maria", "mario", "gary"}),
    ("Maria Garcia", {"maria"}),
    ("MARIA garcia", {"maria"}),
    ("García", {"maria_accent"}),
    ("Garc", {"maria_accent", "maria"}),
    ("chen", {"wei"}),
    ("  gary  ", {"gary"}),
    ("O'Brien", {"sean"}),
    ("Riverton", {"wei", "priya"}),
    ("riverton water", {"priya"}),
    ("oak grove", {"maria"}),
    ("county", {"gary"}),
    ("wchen@city.example", {"wei"}),
    ("WCHEN@City.Example", {"wei"}),
    ("mgarf@", {"mario"}),
    ("%", set()),
    ("_", set()),
    ("zzzz", set()),
]

EMPLOYER_TERMS = [
    ("riverton", {"wei", "priya"}),
    ("RIVERTON Water", {"priya"}),
    ("Garland", {"gary"}),
    ("Garcia", set()),
]


@pytest.fixture
def people():
    return {
        key: MemberFactory(full_name=name, employer=employer, user__email=email)
        for key, name, employer, email in PEOPLE
    }


def found(filters: MemberFilters, people) -> set[str]:
    by_pk = {member.pk: key for key, member in people.items()}
    rows = members_search(filters=filters, on=timezone.localdate(), grace_days=grace_days_now())
    return {by_pk[pk] for pk in rows.values_list("pk", flat=True) if pk in by_pk}


@pytest.mark.parametrize(("term", "expected"), TERMS)
def test_the_query_finds_the_same_members(people, term, expected):
    assert found(MemberFilters(query=term), people) == expected


@pytest.mark.parametrize(("term", "expected"), EMPLOYER_TERMS)
def test_the_employer_filter_finds_the_same_members(people, term, expected):
    assert found(MemberFilters(employer=term), people) == expected


@pytest.mark.parametrize("form", ["M-{pk:06d}", "m-{pk:06d}", "m{pk}", "{pk}", " M-{pk} "])
def test_a_member_number_finds_its_member(people, form):
    wei = people["wei"]
    assert found(MemberFilters(query=form.format(pk=wei.pk)), people) == {"wei"}


def test_the_query_and_the_employer_filter_combine(people):
    assert found(MemberFilters(query="gar", employer="county"), people) == {"gary"}
