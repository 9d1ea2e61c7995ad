"""Bulk mail: a segment is the member search, one copy per member however often a chunk is
redone, the suppression list, List-Unsubscribe and one-click unsubscribe, bounces, throttle."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from billing.staff_selectors import MemberFilters, grace_days_now, members_search
from communications.models import (
    Campaign,
    CampaignState,
    MessageState,
    OutgoingMessage,
    Suppression,
)
from communications.services import campaigns
from communications.services.campaigns import (
    campaign_progress,
    campaign_start,
    campaign_step,
    segment_members,
    segment_preview,
    step_delay,
)
from communications.services.outbox import message_queue, message_send
from communications.services.suppressions import (
    resubscribe,
    suppression_add,
    unsubscribe,
    unsubscribe_token,
)
from communications.templating.sandbox import TemplateRefused
from tests.experts.factories import make_expert
from tests.factories import MemberFactory, activate_membership

pytestmark = pytest.mark.django_db

BODY = "Dear {{ member.display_name }},\n\nRegistration for the annual conference is open."


def start(filters=MemberFilters(), *, rate=600, body=BODY, subject="Conference", user=None):
    return campaign_start(
        filters=filters, subject=subject, body_text=body, rate_per_minute=rate, user=user
    )


def run(campaign, steps=50) -> int:
    """Run the campaign's steps as the worker would, without the pauses; returns the count."""
    for n in range(1, steps + 1):
        if campaign_step(campaign_id=campaign.pk) is None:
            return n
    raise AssertionError("the campaign did not finish")


@pytest.fixture
def town():
    today = timezone.localdate()
    soon = MemberFactory(full_name="Ada Soon", employer="City of Alder", state_province="VA")
    activate_membership(soon, end_on=today + dt.timedelta(days=20))
    later = MemberFactory(full_name="Bo Later", employer="Town of Birch", state_province="MD")
    activate_membership(later, end_on=today + dt.timedelta(days=200))
    canadian = MemberFactory(
        full_name="Cy North", employer="City of Cedar", country="CA", state_province="ON"
    )
    expert = MemberFactory(full_name="Di Expert", employer="Alder County", state_province="va")
    activate_membership(expert, end_on=today + dt.timedelta(days=300))
    make_expert(member=expert)
    return {"soon": soon, "later": later, "canadian": canadian, "expert": expert}


@pytest.mark.parametrize(
    "filters, expected",
    [
        (MemberFilters(), {"soon", "later", "canadian", "expert"}),
        (MemberFilters(renewal_within_days=30), {"soon"}),
        (MemberFilters(renewal_within_days=250), {"soon", "later"}),
        (MemberFilters(country="CA"), {"canadian"}),
        (MemberFilters(state="VA"), {"soon", "expert"}),
        (MemberFilters(employer="alder"), {"soon", "expert"}),
        (MemberFilters(expert_pool=True), {"expert"}),
        (MemberFilters(status="active", employer="Alder"), {"soon", "expert"}),
        (MemberFilters(status="none"), {"canadian"}),
        (MemberFilters(query="Bo Later"), {"later"}),
    ],
)
def test_a_segment_is_exactly_the_member_search_with_the_same_filters(town, filters, expected):
    names = {v.pk: k for k, v in town.items()}
    search = members_search(filters=filters, on=timezone.localdate(), grace_days=grace_days_now())
    assert {names[m.pk] for m in search if m.pk in names} == expected
    assert {names[m.pk] for m in segment_members(filters) if m.pk in names} == expected


def test_the_member_search_page_filters_by_the_new_filters(staff_client, town):
    body = staff_client.get(
        reverse("billing_staff:member_list"), {"employer": "alder", "state": "va"}
    ).content.decode()
    assert "Ada Soon" in body and "Di Expert" in body
    assert "Bo Later" not in body and "Cy North" not in body
    body = staff_client.get(reverse("billing_staff:member_list"), {"expert_pool": "on"}).content
    assert b"Di Expert" in body and b"Ada Soon" not in body


def test_the_preview_counts_the_segment_less_the_suppressed_and_names_a_sample(town):
    unsubscribe(user=town["later"].user)
    preview = segment_preview(MemberFilters(country="US"))
    assert preview["count"] == 2
    assert preview["suppressed"] == 1
    assert {m.full_name for m in preview["sample"]} == {"Ada Soon", "Di Expert"}


def test_every_member_gets_one_copy_and_a_redone_chunk_writes_and_sends_nothing_twice(town):
    campaign = start(rate=2)  # chunks of two: the four members take two chunks
    assert campaign.total == 4
    assert run(campaign) >= 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in town.values())
    assert mail.outbox[0].subject == "Conference"
    # A worker killed after writing rows but before the cursor was saved redoes the chunk:
    # the unique (campaign, member) row and the outbox key keep it to one copy each.
    Campaign.objects.filter(pk=campaign.pk).update(
        cursor=0, segment_done=False, state=CampaignState.SENDING
    )
    run(campaign)
    assert OutgoingMessage.objects.filter(campaign=campaign).count() == 4
    assert len(mail.outbox) == 4
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DONE
    assert campaign_progress(campaign) | {"state": None} == {
        "state": None,
        "sent": 4,
        "failed": 0,
        "pending": 0,
        "total": 4,
        "percent": 100,
        "finished": True,
    }


def test_each_copy_is_rendered_for_its_member_and_carries_list_unsubscribe(town):
    run(start(filters=MemberFilters(query="Ada Soon")))
    (message,) = mail.outbox
    assert message.body.startswith("Dear Ada Soon,")
    token = unsubscribe_token(town["soon"].user_id)
    url = f"http://testserver/unsubscribe/{token}/"
    assert message.extra_headers["List-Unsubscribe"].endswith(f"/unsubscribe/{token}/>")
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/unsubscribe/{token}/" in message.body  # the footer link, for people
    assert url  # the same path the one-click test posts to


def test_account_and_money_mail_has_no_list_unsubscribe_and_ignores_the_list(town):
    member = town["soon"]
    unsubscribe(user=member.user)
    row = message_queue(
        to=member.user.email,
        template="membership/email/welcome",
        context={"member": member},
        user=member.user,
    )
    assert message_send(message_id=row.pk) == MessageState.SENT
    (message,) = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers


def test_unsubscribed_and_bounced_members_get_no_bulk_mail(town):
    unsubscribe(user=town["soon"].user)
    suppression_add(email=town["later"].user.email.upper(), reason="bounced")
    campaign = start()
    assert campaign.total == 2
    run(campaign)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [town["canadian"].user.email, town["expert"].user.email]
    )


def test_a_member_unsubscribed_mid_send_is_skipped_by_the_chunks_not_yet_written(town):
    campaign = start(rate=1)
    campaign_step(campaign_id=campaign.pk)
    first = mail.outbox[0].to[0]
    rest = [m for m in town.values() if m.user.email != first]
    unsubscribe(user=rest[0].user)
    run(campaign)
    assert rest[0].user.email not in {m.to[0] for m in mail.outbox}
    assert len(mail.outbox) == 3
    campaign.refresh_from_db()
    assert campaign.total == 3 and campaign_progress(campaign)["percent"] == 100


def test_one_click_post_unsubscribes_without_a_csrf_token_or_a_session(town):
    user = town["soon"].user
    client = Client(enforce_csrf_checks=True)
    url = reverse("communications:unsubscribe", args=[unsubscribe_token(user.pk)])
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Suppression.objects.get(email=user.email.lower()).reason == "unsubscribed"
    # Twice is the same as once.
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Suppression.objects.count() == 1


def test_the_unsubscribe_page_asks_first_and_a_forged_token_is_refused(client, town):
    user = town["soon"].user
    url = reverse("communications:unsubscribe", args=[unsubscribe_token(user.pk)])
    page = client.get(url)
    assert page.status_code == 200 and user.email in page.content.decode()
    assert not Suppression.objects.exists()  # a link scanner's GET changes nothing
    done = client.post(url)
    assert "You are unsubscribed" in done.content.decode()
    assert Suppression.objects.filter(user=user).exists()
    other = town["later"].user
    forged = f"{other.pk}:{unsubscribe_token(user.pk).split(':')[1]}"
    response = client.post(reverse("communications:unsubscribe", args=[forged]))
    assert response.status_code == 404
    assert not Suppression.objects.filter(email=other.email.lower()).exists()


def test_a_member_resubscribes_from_their_messages_page(client, town):
    user = town["soon"].user
    unsubscribe(user=user)
    client.force_login(user)
    page = client.get(reverse("communications:my_messages")).content.decode()
    assert "You unsubscribed" in page and reverse("communications:resubscribe") in page
    response = client.post(reverse("communications:resubscribe"))
    assert response.status_code == 302
    assert not Suppression.objects.exists()
    assert "You receive ICMA" in client.get(reverse("communications:my_messages")).content.decode()


def test_a_bounce_stays_when_the_member_resubscribes(town):
    user = town["soon"].user
    suppression_add(email=user.email, user=user, reason="bounced")
    resubscribe(user=user)
    assert Suppression.objects.get().reason == "bounced"


class _Refusing:
    """A mail backend whose relay answers RCPT with `code`."""

    code = 550

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused(
            {messages[0].to[0]: (self.code, b"5.1.1 no such mailbox")}
        )


@pytest.mark.parametrize("code, state, suppressed", [(550, "failed", True), (451, "queued", False)])
def test_a_permanent_smtp_failure_suppresses_the_address_a_temporary_one_retries(
    settings, town, code, state, suppressed
):
    _Refusing.code = code
    settings.EMAIL_BACKEND = f"{__name__}._Refusing"
    member = town["soon"]
    row = message_queue(
        to=member.user.email,
        template="membership/email/welcome",
        context={"member": member},
        user=member.user,
    )
    assert message_send(message_id=row.pk) == state
    bounced = Suppression.objects.filter(email=member.user.email.lower(), reason="bounced")
    assert bounced.exists() is suppressed


def test_a_bulk_copy_that_bounces_fails_and_later_campaigns_skip_the_address(settings, town):
    _Refusing.code = 550
    settings.EMAIL_BACKEND = f"{__name__}._Refusing"
    run(start(filters=MemberFilters(query="Ada Soon")))
    assert OutgoingMessage.objects.get(campaign__isnull=False).state == MessageState.FAILED
    assert start().total == 3


def test_the_throttle_waits_out_the_rest_of_the_minute():
    assert step_delay(sent=10, rate_per_minute=10, elapsed=2.0) == pytest.approx(58.0)
    assert step_delay(sent=500, rate_per_minute=1000, elapsed=0.5) == pytest.approx(29.5)
    assert step_delay(sent=500, rate_per_minute=100_000, elapsed=1.0) == 0.0
    assert campaigns.chunk_size(10) == 10 and campaigns.chunk_size(10_000) == 500


def test_a_step_sends_at_most_the_rate_and_asks_for_the_pause(town):
    campaign = start(rate=3)
    delay = campaign_step(campaign_id=campaign.pk)
    assert len(mail.outbox) == 3
    assert 55 < delay <= 60


@pytest.mark.parametrize(
    "body",
    ["{{ member.user.password }}", "{% load static %}{% static 'x' %}", "{{ invoice.number }}"],
)
def test_a_bulk_message_with_a_forbidden_variable_or_tag_is_refused_and_nothing_is_saved(
    town, body
):
    with pytest.raises(TemplateRefused):
        start(body=body)
    assert not Campaign.objects.exists()


def test_staff_compose_see_count_sample_and_preview_and_must_confirm(staff_client, town):
    url = reverse("communications_staff:campaign_new")
    page = staff_client.get(url, {"country": "US", "state": "VA"}).content.decode()
    assert "2 members will receive it." in page
    assert "Ada Soon" in page and "Di Expert" in page and "Bo Later" not in page
    form = {
        "country": "US",
        "state": "VA",
        "subject": "Conference",
        "body_text": BODY,
        "rate_per_minute": "600",
    }
    preview = staff_client.post(url, {**form, "action": "preview"}).content.decode()
    assert "Preview for" in preview and "Dear " in preview
    unconfirmed = staff_client.post(url, {**form, "action": "send"}).content.decode()
    assert "Tick the box to confirm the send." in unconfirmed
    assert not Campaign.objects.exists()
    refused = staff_client.post(
        url, {**form, "body_text": "{{ member.user.password }}", "action": "preview"}
    )
    assert "cannot be used" in refused.content.decode()
    sent = staff_client.post(url, {**form, "action": "send", "confirm": "on"})
    campaign = Campaign.objects.get()
    assert sent.status_code == 302 and sent.url == reverse(
        "communications_staff:campaign_detail", args=[campaign.pk]
    )
    assert campaign.filters["state"] == "VA" and campaign.total == 2
    progress = staff_client.get(
        reverse("communications_staff:campaign_progress", args=[campaign.pk])
    ).json()
    assert progress["total"] == 2
    detail = staff_client.get(sent.url).content.decode()
    assert 'id="campaign-bar"' in detail and "job-progress.js" in detail
    assert (
        "Conference"
        in staff_client.get(reverse("communications_staff:campaign_list")).content.decode()
    )


def test_the_campaign_page_reaches_100_percent(staff_client, town):
    campaign = start()
    run(campaign)
    detail = staff_client.get(
        reverse("communications_staff:campaign_detail", args=[campaign.pk])
    ).content.decode()
    text = " ".join(strip_tags(detail).split())
    assert 'value="100"' in detail
    copies = OutgoingMessage.objects.filter(campaign=campaign, state="sent").count()
    assert copies >= 4  # the town and the signed-in staff member's own membership
    assert f"100 % · {copies} of {copies} sent · 0 not delivered" in text
    assert "Finished" in text


def test_a_stopped_campaign_sends_no_more(staff_client, town):
    campaign = start(rate=1)
    campaign_step(campaign_id=campaign.pk)
    staff_client.post(reverse("communications_staff:campaign_stop", args=[campaign.pk]))
    assert campaign_step(campaign_id=campaign.pk) is None
    assert len(mail.outbox) == 1
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CANCELLED
