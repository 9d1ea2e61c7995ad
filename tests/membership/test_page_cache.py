"""A member's own pages come from the cache only while nothing they show has changed
(membership/page_cache.py, the triggers of membership migration 0021)."""

import re
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import MembershipRules
from membership.page_cache import CSRF_PLACEHOLDER
from tests.experts.factories import make_expert
from tests.factories import (
    MemberFactory,
    activate_membership,
    issue_invoice,
    pay_invoice,
    staff_user,
)

pytestmark = pytest.mark.django_db

PAGES = ["home", "billing:dashboard", "own profile", "membership:profile"]
TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z_][a-z0-9_]*)"?', re.IGNORECASE)
# Read by every signed-in request, before the page: not what the page shows.
NOT_PAGE_DATA = {"django_session", "membership_pagestamp"}


def url_of(name: str, member) -> str:
    if name == "own profile":
        return reverse("membership:member_detail", args=[member.member_number])
    return reverse(name)


def csrf_of(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


def stamped_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname IN ('page_stamp_insert', 'page_stamp_update', 'page_stamp_delete')"
            " GROUP BY c.relname HAVING count(*) = 3"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def rich_member(member):
    """A member whose pages show as much as they can: a paid membership, a receipt, a waiver
    request, a change staff made, an expert profile and an e-mail sent."""
    from membership.services.lifecycle import waiver_request
    from membership.services.staff_members import member_update_by_staff

    pay_invoice(issue_invoice(member))
    waiver_request(member=member, reason="Position eliminated in the reorganisation.")
    staff = staff_user(groups=["Membership staff"])
    member_update_by_staff(member=member, changed_by=staff, job_title="City Manager")
    make_expert(member=member)
    member.refresh_from_db()
    return member


@pytest.fixture
def owing_member(member):
    """A member with an open invoice in installments and an invitation to an engagement."""
    import datetime as dt

    from django.utils import timezone

    from experts.models import Engagement
    from experts.services.requests import engagement_invite
    from tests.experts.factories import make_request

    activate_membership(member, end_on=timezone.localdate() + dt.timedelta(days=20))
    issue_invoice(member, kind="renewal", installments=2)
    expert = make_expert(member=member)
    staff = staff_user(groups=["International programs staff"])
    engagement = Engagement.objects.create(request=make_request(by=staff), profile=expert)
    engagement_invite(engagement=engagement, by=staff)
    member.refresh_from_db()
    return member


@pytest.mark.parametrize("state", ["rich_member", "owing_member"])
@pytest.mark.parametrize("name", PAGES)
def test_every_table_the_page_reads_is_stamped(client, request, state, name, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the page cache and its triggers are PostgreSQL's")
    member = request.getfixturevalue(state)
    settings.MEMBER_PAGE_CACHE_SECONDS = 0  # render it, to see every query
    client.force_login(member.user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url_of(name, member))
    assert response.status_code == 200
    read = {t for q in captured.captured_queries for t in TABLE.findall(q["sql"])}
    assert "membership_member" in read
    assert read - NOT_PAGE_DATA - stamped_tables() == set()


@pytest.mark.parametrize("name", PAGES)
def test_the_second_view_comes_from_the_cache(member_client, rich_member, name):
    url = url_of(name, rich_member)
    first = member_client.get(url).content.decode()
    with CaptureQueriesContext(connection) as captured:
        second = member_client.get(url).content.decode()
    # The session, the user, the stamps: nothing the page shows is read again.
    assert len(captured) == 3, [q["sql"][:80] for q in captured.captured_queries]
    assert CSRF_PLACEHOLDER not in second
    assert second.replace(csrf_of(second), "") == first.replace(csrf_of(first), "")


def test_a_profile_saved_shows_at_once(member_client, member):
    assert "Pat Quinn" not in member_client.get(reverse("home")).content.decode()
    profile = member_client.get(reverse("membership:profile")).content.decode()
    data = {
        "full_name": "Pat Quinn",
        "job_title": "Town Administrator",
        "employer": member.employer or "Town of Example",
        "country": member.country or "US",
        "state_province": "",
        "population": "12000",
        "position": member.position or "cao",
        "csrfmiddlewaretoken": csrf_of(profile),
    }
    response = member_client.post(reverse("membership:profile"), data, follow=True)
    assert "Your profile has been saved." in response.content.decode()
    assert "Pat Quinn" in member_client.get(reverse("membership:profile")).content.decode()
    own = url_of("own profile", member)
    assert "Pat Quinn" in member_client.get(own).content.decode()


def test_a_payment_shows_on_the_dashboard_at_once(member_client, member):
    invoice = issue_invoice(member)
    before = member_client.get(reverse("billing:dashboard")).content.decode()
    assert reverse("billing:receipt", args=[invoice.number]) not in before
    pay_invoice(invoice)
    after = member_client.get(reverse("billing:dashboard")).content.decode()
    assert reverse("billing:receipt", args=[invoice.number]) in after


def test_a_change_to_the_rules_shows_for_every_member(member_client, member):
    pay_invoice(issue_invoice(member))
    rules = MembershipRules.current()
    months = f"up to {rules.waiver_max_months} months"
    assert months in member_client.get(reverse("billing:dashboard")).content.decode()
    MembershipRules.objects.update(waiver_max_months=rules.waiver_max_months + 5)
    body = member_client.get(reverse("billing:dashboard")).content.decode()
    assert f"up to {rules.waiver_max_months + 5} months" in body


def test_joining_a_staff_group_is_never_served_a_members_page(client, member):
    client.force_login(member.user)
    staff_link = reverse("billing_staff:member_list")
    assert staff_link not in client.get(reverse("home")).content.decode()
    client.get(reverse("home"))
    member.user.groups.add(Group.objects.get(name="Membership staff"))
    with CaptureQueriesContext(connection) as captured:
        body = client.get(reverse("home")).content.decode()
    assert staff_link in body
    # Rendered again (not the 3 queries of a cached page): a staff member's pages depend on
    # the two-factor step, and are never cached.
    assert len(captured) > 3


def test_staff_pages_are_never_cached(client):
    staff = staff_user(groups=["Membership staff"], is_staff=False)
    client.force_login(staff)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home"))
    assert len(captured) > 3


def test_another_members_profile_is_not_served_for_the_members_own(member_client, member):
    member_client.get(url_of("own profile", member))
    other = MemberFactory(full_name="Robin Other")
    response = member_client.get(url_of("own profile", other))
    assert response.status_code == 404
    assert "Robin Other" not in response.content.decode()


def test_messages_are_shown_not_a_cached_page(member_client, member):
    pay_invoice(issue_invoice(member))
    member_client.get(reverse("billing:dashboard"))
    member_client.get(reverse("billing:dashboard"))
    response = member_client.get(reverse("billing:renew"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("billing:dashboard")
    message = "days before your membership ends."
    assert message in response.content.decode()
    # Shown once: the next view is the cached page again, without the message.
    assert message not in member_client.get(reverse("billing:dashboard")).content.decode()


def test_the_cached_pages_csrf_token_is_the_requesters_own(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member.user)
    url = reverse("membership:profile")
    browser.get(url)
    cached = browser.get(url).content.decode()
    other = MemberFactory()
    someone_else = Client(enforce_csrf_checks=True)
    someone_else.force_login(other.user)
    someone_else.get(url)
    theirs = someone_else.get(url).content.decode()
    assert csrf_of(cached) != csrf_of(theirs)
    data = {
        "full_name": "Sam Cached",
        "job_title": "Town Administrator",
        "employer": "Town of Example",
        "country": "US",
        "state_province": "",
        "population": "12000",
        "position": "cao",
        "csrfmiddlewaretoken": csrf_of(cached),
    }
    assert browser.post(url, data).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_write_that_commits_last_is_seen_whatever_order_the_stamps_were_taken(member):
    """A transaction stamps first but commits after another one: the page cached between the
    two commits is not served once the first one commits."""
    if connection.vendor != "postgresql":
        pytest.skip("the page cache and its triggers are PostgreSQL's")
    from django.db import connections, transaction

    from membership.services.audit import audit_record

    client = Client()
    client.force_login(member.user)
    url = reverse("membership:profile")
    client.get(url)
    stamped, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                # Stamps the member now; the page shows it once committed.
                audit_record(
                    actor=None,
                    action="staff_update",
                    obj=member,
                    changes={"job_title": ["", "Slow Writer Title"]},
                )
                stamped.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert stamped.wait(10)
    type(member).objects.filter(pk=member.pk).update(employer="Fast Writer County")
    middle = client.get(url).content.decode()
    assert "Fast Writer County" in middle and "staff-change-notice" not in middle
    release.set()
    assert done.wait(10)
    thread.join()
    assert "staff-change-notice" in client.get(url).content.decode()


def test_folding_the_stamps_keeps_every_members_count(member_client, member):
    if connection.vendor != "postgresql":
        pytest.skip("the page cache and its triggers are PostgreSQL's")
    from membership.models import PageStamp
    from membership.page_cache import member_stamps, page_stamps_fold

    other = MemberFactory()
    pay_invoice(issue_invoice(member))
    MembershipRules.objects.update(grace_days=45)
    before = member_stamps(member.user), member_stamps(other.user)
    url = reverse("billing:dashboard")
    member_client.get(url)

    assert page_stamps_fold()["page_stamp_members_folded"] >= 3
    assert not PageStamp.objects.exists()
    assert (member_stamps(member.user), member_stamps(other.user)) == before
    with CaptureQueriesContext(connection) as captured:
        member_client.get(url)
    assert len(captured) == 3  # still the cached page: nothing it shows changed

    MembershipRules.objects.update(grace_days=50)
    page_stamps_fold()
    assert member_stamps(member.user)[2] == before[0][2] + 1
    with CaptureQueriesContext(connection) as captured:
        member_client.get(url)
    assert len(captured) > 3


def test_a_bulk_statement_stamps_every_member_once_not_each(member):
    if connection.vendor != "postgresql":
        pytest.skip("the page cache and its triggers are PostgreSQL's")
    import io

    from django.core.management import call_command

    from membership.models import Member, PageStamp
    from membership.page_cache import member_stamps

    call_command("seed_members", count=1_000, seed=3, stdout=io.StringIO())
    _id, own, shared = member_stamps(member.user)
    rows = PageStamp.objects.count()
    Member.objects.update(job_title="Manager")  # 1,001 rows: more than BULK_ROWS
    assert PageStamp.objects.count() == rows + 1
    assert member_stamps(member.user)[1:] == (own, shared + 1)
    Member.objects.filter(pk=member.pk).update(job_title="Town Manager")
    assert member_stamps(member.user)[1:] == (own + 1, shared + 1)


def test_the_pages_render_when_the_cache_cannot_be_reached(member_client, member, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }
    for name in PAGES:
        response = member_client.get(url_of(name, member))
        assert response.status_code == 200
        assert CSRF_PLACEHOLDER not in response.content.decode()


def test_the_processs_recent_pages_drop_the_oldest_and_the_expired():
    import time

    from membership.page_cache import _RecentPages

    recent = _RecentPages(size=2)
    recent.put("a", ("A", "text/html"), 60)
    recent.put("b", ("B", "text/html"), 60)
    assert recent.get("a") == ("A", "text/html")  # now the most recent
    recent.put("c", ("C", "text/html"), 60)
    assert recent.get("b") is None and recent.get("a") and recent.get("c")
    recent.put("d", ("D", "text/html"), 0)
    time.sleep(0.01)
    assert recent.get("d") is None


def test_a_sent_emails_state_stamps_its_member_and_rewriting_its_body_does_not(member):
    if connection.vendor != "postgresql":
        pytest.skip("the page cache and its triggers are PostgreSQL's")
    from django.utils import timezone

    from communications.models import OutgoingMessage
    from membership.page_cache import member_stamps

    message = OutgoingMessage.objects.create(
        template="test",
        to=member.user.email,
        user=member.user,
        subject="Your receipt",
        body_text="Hello",
        next_attempt_at=timezone.now(),
    )
    own = member_stamps(member.user)[1]
    OutgoingMessage.objects.filter(pk=message.pk).update(body_text="Hello again", attempts=1)
    assert member_stamps(member.user)[1] == own  # nothing the member's pages show
    OutgoingMessage.objects.filter(pk=message.pk).update(state="sent")
    assert member_stamps(member.user)[1] == own + 1
