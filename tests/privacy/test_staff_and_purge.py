"""Staff produce a member's data and close an account on request; the purge at retention end;
CVs in the other storages."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Payment
from experts.storage import cv_backend
from membership.models import AuditEntry, Member, MembershipRules, Reminder
from privacy.models import AccountClosure, DataDownload
from privacy.services.closure import account_close
from privacy.services.purge import retention_purge
from tests.factories import PASSWORD, MemberFactory, staff_user
from tests.privacy.helpers import make_marked_member, tables_containing

pytestmark = pytest.mark.django_db


def test_staff_produce_the_data_with_a_reason_and_it_is_logged(staff_client, membership_staff):
    marked = make_marked_member()
    url = reverse("privacy:staff_download", args=[marked.member.member_number])

    refused = staff_client.post(url, {"download-reason": "  "})
    assert refused.status_code == 400
    assert not DataDownload.objects.exists()

    response = staff_client.post(url, {"download-reason": "Asked by letter of 1 Dec"})

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert marked.invoice.number.encode() in archive.read("invoices.json")
    record = DataDownload.objects.get()
    assert (record.downloaded_by, record.by_staff, record.reason) == (
        membership_staff,
        True,
        "Asked by letter of 1 Dec",
    )
    page = staff_client.get(reverse("privacy:staff_member", args=[marked.member.member_number]))
    assert b"Asked by letter of 1 Dec" in page.content


def test_staff_close_on_request_with_reason_and_member_number(staff_client, membership_staff):
    marked = make_marked_member()
    number = marked.member.member_number
    url = reverse("privacy:staff_close", args=[number])

    wrong = staff_client.post(url, {"close-reason": "Member's e-mail", "close-member_number": "x"})
    assert wrong.status_code == 400 and not AccountClosure.objects.exists()
    no_reason = staff_client.post(url, {"close-reason": "", "close-member_number": number})
    assert no_reason.status_code == 400 and not AccountClosure.objects.exists()

    done = staff_client.post(
        url, {"close-reason": "Member's e-mail of 2 Dec", "close-member_number": number.lower()}
    )

    assert done.status_code == 302
    closure = AccountClosure.objects.get()
    assert (closure.by_staff, closure.closed_by, closure.reason) == (
        True,
        membership_staff,
        "Member's e-mail of 2 Dec",
    )
    assert AuditEntry.objects.filter(action="close_account", actor=membership_staff).exists()
    marked.user.refresh_from_db()
    assert not marked.user.is_active and not marked.user.has_usable_password()
    assert not Client().login(username=marked.email, password=PASSWORD)
    page = staff_client.get(reverse("privacy:staff_member", args=[number]))
    assert b"The account was closed on" in page.content
    assert b"Close the account on the member" not in page.content
    again = staff_client.post(url, {"close-reason": "again", "close-member_number": number})
    assert again.status_code == 302 and AccountClosure.objects.count() == 1


def test_staff_without_two_factor_cannot_close(client):
    marked = make_marked_member()
    client.force_login(staff_user(groups=["Membership staff"], with_totp=False))
    number = marked.member.member_number
    response = client.post(
        reverse("privacy:staff_close", args=[number]),
        {"close-reason": "r", "close-member_number": number},
    )
    assert response.status_code in (302, 403)
    assert not AccountClosure.objects.exists()


def test_the_retention_period_is_set_by_staff_and_the_purge_deletes_after_it(staff_client):
    marked = make_marked_member()
    form = staff_client.get(reverse("membership:staff_rules"))
    assert b"financial_retention_years" in form.content
    rules = MembershipRules.current()
    rules.financial_retention_years = 3
    rules.save()
    closure = account_close(member=marked.member, actor=None, by_staff=False)
    today = timezone.localdate()
    assert closure.retain_until == today.replace(year=today.year + 3)

    assert retention_purge(on=closure.retain_until - dt.timedelta(days=1)) == {"purged_closures": 0}
    assert Invoice.objects.filter(pk=marked.invoice.pk).exists()

    assert retention_purge(on=closure.retain_until) == {"purged_closures": 1}

    assert not Invoice.objects.filter(pk=marked.invoice.pk).exists()
    assert not Payment.objects.filter(invoice_id=marked.invoice.pk).exists()
    assert not Member.objects.filter(pk=marked.member.pk).exists()
    closure.refresh_from_db()
    assert closure.purged_at is not None and closure.member is None
    assert closure.member_number == marked.member.member_number
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM billing_invoiceevent WHERE pgh_obj_id = %s",
                [marked.invoice.pk],
            )
            assert cursor.fetchone()[0] == 0
        assert tables_containing(marked.invoice.number) == []
    # A second run finds nothing more to do.
    assert retention_purge(on=closure.retain_until) == {"purged_closures": 0}


def test_the_purge_is_a_part_of_the_daily_job():
    from membership.events import DAILY_PARTS

    assert DAILY_PARTS["retention_purge"] is retention_purge


def test_a_cv_on_the_filesystem_is_deleted_with_the_account(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.CV_STORAGE = "filesystem"
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    marked = make_marked_member()
    name = marked.profile.cv.name
    path = Path(cv_backend().path(name))
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        account_close(member=marked.member, actor=None, by_staff=False)

    assert not path.exists()


def test_a_closed_account_gets_no_renewal_reminder():
    from membership.services.daily import reminders_send
    from tests.factories import activate_membership

    marked = make_marked_member()
    other = activate_membership(MemberFactory())
    end_on = other.membership.paid_through_on
    marked.member.membership.terms.update(end_on=end_on)
    marked.member.membership.__class__.objects.filter(pk=marked.member.membership.pk).update(
        paid_through_on=end_on
    )
    account_close(member=marked.member, actor=None, by_staff=False)

    result = reminders_send(on=end_on - dt.timedelta(days=30))

    assert result == {"reminders_sent": 1}
    assert Reminder.objects.get().term.membership.member == other
