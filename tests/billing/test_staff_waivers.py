"""Staff decide waiver requests from the queue or from the member's page."""

import pytest
from django.urls import reverse

from membership.models import (
    Membership,
    MembershipTerm,
    TermKind,
    WaiverRequest,
    WaiverStatus,
)
from membership.services.lifecycle import waiver_request
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

QUEUE = reverse("billing_staff:waiver_list")


def decide_url(waiver) -> str:
    return reverse("billing_staff:waiver_decide", args=[waiver.pk])


@pytest.fixture
def waiver():
    member = MemberFactory(full_name="Casey Transition")
    pay_invoice(issue_invoice(member))
    return waiver_request(member=member, reason="My town merged with the county.")


def test_queue_lists_pending_requests(staff_client, waiver):
    body = staff_client.get(QUEUE).content.decode()
    assert "Casey Transition" in body
    assert "My town merged with the county." in body
    assert decide_url(waiver) in body


def test_queue_leaves_out_decided_requests(staff_client, waiver):
    WaiverRequest.objects.filter(pk=waiver.pk).update(status=WaiverStatus.DECLINED)
    body = staff_client.get(QUEUE).content.decode()
    assert "Casey Transition" not in body
    assert "No waiver requests waiting" in body


def test_queue_is_paginated(staff_client):
    for n in range(30):
        waiver_request(member=MemberFactory(), reason=f"Reason {n}")
    first = staff_client.get(QUEUE)
    second = staff_client.get(QUEUE, {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


def test_queue_query_count_does_not_grow_with_requests(staff_client, django_assert_max_num_queries):
    for n in range(30):
        waiver_request(member=MemberFactory(), reason=f"Reason {n}")
    with django_assert_max_num_queries(9):
        response = staff_client.get(QUEUE)
    assert response.status_code == 200


def test_approval_adds_a_waiver_term_from_the_old_end_date(staff_client, waiver):
    paid_through = Membership.objects.get(member=waiver.member).paid_through_on
    staff_client.post(decide_url(waiver), {"decision": "approve", "note": "Confirmed by HR"})
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.APPROVED
    term = MembershipTerm.objects.get(kind=TermKind.WAIVER)
    assert term.start_on == paid_through
    assert term.reason == "Confirmed by HR"


def test_approval_says_until_when(staff_client, waiver):
    response = staff_client.post(decide_url(waiver), {"decision": "approve"}, follow=True)
    assert "Waiver approved for Casey Transition: dues are waived until" in (
        response.content.decode()
    )


def test_decline_records_the_note(staff_client, waiver):
    staff_client.post(decide_url(waiver), {"decision": "decline", "note": "Still employed"})
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.DECLINED
    assert waiver.decision_note == "Still employed"
    assert not MembershipTerm.objects.filter(kind=TermKind.WAIVER).exists()


def test_decline_needs_a_note(staff_client, waiver):
    response = staff_client.post(decide_url(waiver), {"decision": "decline"}, follow=True)
    assert "Add a note saying why the waiver is declined" in response.content.decode()
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.REQUESTED


def test_unknown_decision_changes_nothing(staff_client, waiver):
    response = staff_client.post(decide_url(waiver), {"decision": "maybe"}, follow=True)
    assert "Choose approve or decline." in response.content.decode()
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.REQUESTED


def test_approval_past_the_36_month_limit_shows_the_services_message(staff_client, waiver):
    Membership.objects.filter(member=waiver.member).update(waived_months=36)
    response = staff_client.post(decide_url(waiver), {"decision": "approve"}, follow=True)
    body = response.content.decode()
    assert "The waiver for Casey Transition was not approved" in body
    assert "would pass the limit of 36 months" in body
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.REQUESTED
    assert not MembershipTerm.objects.filter(kind=TermKind.WAIVER).exists()


def test_approval_at_30_months_is_still_allowed(staff_client, waiver):
    Membership.objects.filter(member=waiver.member).update(waived_months=30)
    staff_client.post(decide_url(waiver), {"decision": "approve"})
    assert Membership.objects.get(member=waiver.member).waived_months == 36


def test_deciding_twice_is_refused(staff_client, waiver):
    staff_client.post(decide_url(waiver), {"decision": "approve"})
    response = staff_client.post(
        decide_url(waiver), {"decision": "decline", "note": "Oops"}, follow=True
    )
    assert "This request has already been decided." in response.content.decode()
    assert MembershipTerm.objects.filter(kind=TermKind.WAIVER).count() == 1


def test_decision_from_the_member_page_returns_there(staff_client, waiver):
    member_page = reverse("billing_staff:member_detail", args=[waiver.member.member_number])
    response = staff_client.post(decide_url(waiver), {"decision": "approve", "next": member_page})
    assert response["Location"] == member_page


def test_decision_never_redirects_off_site(staff_client, waiver):
    response = staff_client.post(
        decide_url(waiver), {"decision": "approve", "next": "https://evil.example/"}
    )
    assert response["Location"] == QUEUE


@pytest.mark.parametrize("approve", [True, False])
def test_the_member_is_e_mailed_the_decision_and_sees_it_on_the_dashboard(client, waiver, approve):
    import datetime as dt

    from communications.models import OutgoingMessage
    from membership.services.lifecycle import waiver_decide

    waiver_decide(
        request_id=waiver.pk, approve=approve, decided_by=None, note="Noted.", on=dt.date.today()
    )
    [message] = OutgoingMessage.objects.filter(template="membership/email/waiver_decision")
    assert message.to == waiver.member.user.email
    word = "approved" if approve else "declined"
    assert word in message.subject
    assert "Noted." in message.body_text
    client.force_login(waiver.member.user)
    body = client.get(reverse("billing:dashboard")).content.decode()
    assert f"Your dues waiver{' request' if not approve else ''} was {word} on" in body
    if approve:
        assert "<td>Waived</td>" in body
