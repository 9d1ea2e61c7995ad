"""Query budgets of the member pages, the staff member page, the dues calculator and its
quote API, and the matching page: at most BUDGET queries, and the same count with 1 and with
10,000 rows of the data each page reads (members, terms and invoices, expert profiles)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import StripeCustomer
from billing.services.invoices import invoice_cancel
from experts.models import ExpertProfile
from experts.models.taxonomy import areas_mask, languages_mask
from membership.history import history_context
from membership.models import (
    ImportedPayment,
    Member,
    Membership,
    MembershipCategory,
    MembershipTerm,
)
from membership.services.lifecycle import waiver_decide, waiver_request
from membership.services.staff_members import member_update_by_staff
from tests.experts.factories import area, current_consent, make_expert, make_request
from tests.factories import (
    MemberFactory,
    activate_membership,
    issue_invoice,
    pay_invoice,
    staff_user,
)

pytestmark = pytest.mark.django_db

BUDGET = 10
SIZES = [1, 10_000]


def bulk_members(count: int, *, prefix: str) -> list[Member]:
    """`count` other members with a paid membership and one term each, written in bulk."""
    if count <= 0:
        return []
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"{prefix}-{n}", email=f"{prefix}-{n}@example.org") for n in range(count)
    )
    members = Member.objects.bulk_create(
        Member(user=user, full_name=f"Other Member {n:05d}", employer="City of Elsewhere")
        for n, user in enumerate(users)
    )
    full = MembershipCategory.objects.get(code="full")
    ends = timezone.localdate() + dt.timedelta(days=300)
    memberships = Membership.objects.bulk_create(
        Membership(member=m, category=full, paid_through_on=ends, status="active") for m in members
    )
    MembershipTerm.objects.bulk_create(
        MembershipTerm(
            membership=ms,
            category=full,
            kind="join",
            status="active",
            start_on=ends - dt.timedelta(days=365),
            end_on=ends,
        )
        for ms in memberships
    )
    return members


def bulk_experts(members: list[Member]) -> None:
    consent = current_consent()
    mask = areas_mask([area("city-county-management")])
    ExpertProfile.objects.bulk_create(
        ExpertProfile(
            member=m,
            consent_text=consent,
            summary="Pool expert.",
            years_in_local_government=n % 40,
            area_mask=mask,
            language_mask=languages_mask(["en"]),
            accepts_workshop=True,
        )
        for n, m in enumerate(members)
    )


def count_queries(client, url: str, **params) -> tuple[int, int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    return response.status_code, len(captured), [q["sql"] for q in captured.captured_queries]


def assert_within_budget(counts: dict[int, tuple[int, int, list[str]]], budget=BUDGET) -> None:
    for size, (status, count, sql) in counts.items():
        assert status == 200, size
        assert count <= budget, f"{count} queries with {size} rows:\n" + "\n".join(sql)
    assert len({count for _s, count, _q in counts.values()}) == 1, {
        size: count for size, (_s, count, _q) in counts.items()
    }


def grow(size: int, grown: dict) -> None:
    """Bring the other rows up to `size` (the page's own member counts as one)."""
    missing = size - grown["rows"]
    if missing > 0:
        grown["members"] += bulk_members(missing, prefix=f"other{grown['rows']}")
        grown["rows"] = size


@pytest.fixture
def paid_member():
    """A member with every section of the dashboard and the staff member page filled: two
    terms and a payment brought over from the old system, a renewal invoice cancelled and one
    in three installments with the first paid (so an open invoice, several invoices with lines
    and installments, a pending term), a saved card on auto-renew, a declined waiver, a change
    staff made to the profile, and the messages all this sent."""
    member = MemberFactory(full_name="Jordan Paid")
    staff = staff_user(groups=["Membership staff"])
    today = timezone.localdate()
    ends_on = today + dt.timedelta(days=20)
    activate_membership(member, category="full", end_on=ends_on - dt.timedelta(days=365))
    activate_membership(member, category="full", end_on=ends_on)
    ImportedPayment.objects.create(
        member=member,
        paid_on=ends_on - dt.timedelta(days=380),
        amount_cents=87_500,
        method="Cheque",
        reference="1187",
        invoice_number="OLD-2025-118",
    )
    # Staff's changes name them in the history, as the middleware records it for a request.
    with history_context(user=staff.pk):
        cancelled = issue_invoice(member, kind="renewal")
        invoice_cancel(invoice=cancelled, reason="Wrong facts.", by=staff)
        renewal = issue_invoice(member, kind="renewal", installments=3)
        pay_invoice(renewal, reference="CHQ-4471", by=staff)
        waiver = waiver_request(member=member, reason="My position was eliminated in March.")
        waiver_decide(
            request_id=waiver.pk, approve=False, decided_by=staff, note="Employed again.", on=today
        )
    StripeCustomer.objects.create(
        member=member,
        customer_id="cus_budget",
        payment_method_id="pm_budget",
        card_label="visa •••• 4242",
        auto_renew=True,
    )
    member_update_by_staff(member=member, changed_by=staff, employer="City of Newport")
    member.refresh_from_db()
    return member


@pytest.mark.parametrize(
    "page",
    ["home", "billing:dashboard", "membership:profile", "membership:member_detail"],
    ids=["home", "dashboard", "profile-form", "own-profile"],
)
def test_member_pages_have_a_constant_budget(client, paid_member, page):
    client.force_login(paid_member.user)
    args = [paid_member.member_number] if page == "membership:member_detail" else []
    url = reverse(page, args=args)
    grown = {"rows": 1, "members": []}
    counts = {}
    for size in SIZES:
        grow(size, grown)
        client.get(url)  # the session's first read is not what a page costs
        counts[size] = count_queries(client, url)
    assert_within_budget(counts)


def test_staff_member_page_has_a_constant_budget(staff_client, paid_member):
    url = reverse("billing_staff:member_detail", args=[paid_member.member_number])
    grown = {"rows": 1, "members": []}
    counts = {}
    for size in SIZES:
        grow(size, grown)
        staff_client.get(url)
        counts[size] = count_queries(staff_client, url)
    assert_within_budget(counts)


FACTS = {"category": "full", "position": "cao", "salary": "150000", "population": "8000"}


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
@pytest.mark.parametrize("page", ["dues:calculator", "dues:quote_api"])
def test_dues_calculator_and_quote_have_a_constant_budget(client, paid_member, page, signed_in):
    if signed_in:
        client.force_login(paid_member.user)
    url = reverse(page)
    grown = {"rows": 1, "members": []}
    counts = {}
    for size in SIZES:
        grow(size, grown)
        client.get(url, FACTS)
        counts[size] = count_queries(client, url, **FACTS)
    assert_within_budget(counts)


def test_matching_page_has_a_constant_budget(client):
    from tests.factories import staff_user

    client.force_login(staff_user(groups=["International programs staff"]))
    make_expert()
    request = make_request()
    url = reverse("experts:staff_request_matches", args=[request.pk])
    grown = {"rows": 1, "members": []}
    counts = {}
    for size in SIZES:
        before = len(grown["members"])
        grow(size, grown)
        bulk_experts(grown["members"][before:])
        client.get(url)
        counts[size] = count_queries(client, url)
    assert_within_budget(counts)
