"""Every staff screen needs the "Membership staff" group (acceptance 6)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import InvoiceStatus, MemberExport, Payment
from communications.models import MessageState, OutgoingMessage
from membership.models import WaiverRequest, WaiverStatus
from membership.services.lifecycle import waiver_request
from tests.factories import MemberFactory, issue_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    """A member with an open invoice and a pending waiver request."""
    member = MemberFactory(full_name="Robin Open")
    invoice = issue_invoice(member)
    waiver = waiver_request(member=member, reason="My position was eliminated in the budget.")
    message = OutgoingMessage.objects.create(
        to=member.user.email,
        user=member.user,
        template="membership/email/welcome",
        subject="Welcome",
        body_text="Hello",
        state=MessageState.FAILED,
        next_attempt_at=timezone.now(),
    )
    return {
        "number": member.member_number,
        "invoice": invoice.number,
        "waiver": waiver.pk,
        "message": message.pk,
    }


GET_URLS = {
    "member_list": lambda c: reverse("billing_staff:member_list"),
    "member_detail": lambda c: reverse("billing_staff:member_detail", args=[c["number"]]),
    "member_life": lambda c: reverse("billing_staff:member_life", args=[c["number"]]),
    "invoice_detail": lambda c: reverse("billing_staff:invoice_detail", args=[c["invoice"]]),
    "invoice_record_payment": lambda c: reverse(
        "billing_staff:invoice_record_payment", args=[c["invoice"]]
    ),
    "invoice_cancel": lambda c: reverse("billing_staff:invoice_cancel", args=[c["invoice"]]),
    "waiver_list": lambda c: reverse("billing_staff:waiver_list"),
}

POSTS = {
    "member_life": (GET_URLS["member_life"], {"confirm": "on", "reason": "Board"}),
    "invoice_record_payment": (
        GET_URLS["invoice_record_payment"],
        {"reference": "100", "received_on": "2026-01-05", "amount": "1"},
    ),
    "invoice_cancel": (GET_URLS["invoice_cancel"], {"reason": "No", "confirm": "on"}),
    "waiver_decide": (
        lambda c: reverse("billing_staff:waiver_decide", args=[c["waiver"]]),
        {"decision": "approve", "note": ""},
    ),
    "member_message_resend": (
        lambda c: reverse("billing_staff:member_message_resend", args=[c["number"], c["message"]]),
        {},
    ),
    "member_export": (lambda c: reverse("billing_staff:member_export"), {}),
}


@pytest.mark.parametrize("name", GET_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, case, name):
    url = GET_URLS[name](case)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize("name", GET_URLS)
def test_members_are_refused(member_client, case, name):
    assert member_client.get(GET_URLS[name](case)).status_code == 403


@pytest.mark.parametrize("name", GET_URLS)
def test_international_programs_staff_are_refused(client, international_staff, case, name):
    client.force_login(international_staff)
    assert client.get(GET_URLS[name](case)).status_code == 403


@pytest.mark.parametrize("name", GET_URLS)
def test_membership_staff_open_every_screen(staff_client, case, name):
    assert staff_client.get(GET_URLS[name](case)).status_code == 200


@pytest.mark.parametrize("name", POSTS)
def test_members_cannot_post_to_staff_actions(member_client, case, name):
    url, data = POSTS[name]
    assert member_client.post(url(case), data).status_code == 403
    assert not Payment.objects.exists()
    assert not MemberExport.objects.exists()
    assert WaiverRequest.objects.get().status == WaiverStatus.REQUESTED
    assert _invoice_status(case) == InvoiceStatus.OPEN
    assert OutgoingMessage.objects.get(pk=case["message"]).state == MessageState.FAILED


@pytest.mark.parametrize("name", POSTS)
def test_international_staff_cannot_post_to_staff_actions(client, international_staff, case, name):
    client.force_login(international_staff)
    url, data = POSTS[name]
    assert client.post(url(case), data).status_code == 403
    assert not Payment.objects.exists()
    assert not MemberExport.objects.exists()
    assert WaiverRequest.objects.get().status == WaiverStatus.REQUESTED
    assert _invoice_status(case) == InvoiceStatus.OPEN
    assert OutgoingMessage.objects.get(pk=case["message"]).state == MessageState.FAILED


@pytest.mark.parametrize("name", POSTS)
def test_anonymous_posts_are_sent_to_sign_in(client, case, name):
    url, data = POSTS[name]
    response = client.post(url(case), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert WaiverRequest.objects.get().status == WaiverStatus.REQUESTED


def test_waiver_decisions_refuse_get(staff_client, case):
    url = reverse("billing_staff:waiver_decide", args=[case["waiver"]])
    assert staff_client.get(url).status_code == 405


def test_unknown_member_number_is_not_found(staff_client):
    assert staff_client.get("/staff/members/M-999999/").status_code == 404


def test_unreadable_member_number_is_not_found(staff_client):
    assert staff_client.get("/staff/members/not-a-number/").status_code == 404


def test_unknown_invoice_is_not_found(staff_client):
    assert staff_client.get("/staff/invoices/INV-2026-999999/").status_code == 404


def test_members_link_shows_in_the_navigation_for_membership_staff(staff_client):
    body = staff_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("billing_staff:member_list")}"' in body


def test_members_link_is_hidden_from_members(member_client):
    body = member_client.get(reverse("home")).content.decode()
    assert reverse("billing_staff:member_list") not in body


def _invoice_status(case):
    from billing.models import Invoice

    return Invoice.objects.get(number=case["invoice"]).status
