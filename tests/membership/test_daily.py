"""The daily job: reminders exactly once, stored statuses, installments, stale invoices."""

import datetime as dt
import io
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from billing.models import Invoice, InvoiceStatus
from membership.models import Membership, MembershipTerm, Reminder, Status
from membership.services.daily import membership_daily, reminder_windows
from membership.tasks import run_membership_daily
from tests.conftest import service_missing
from tests.factories import MemberFactory, issue_invoice, pay_invoice

START = dt.date(2026, 8, 1)  # terms paid on this day end on 2027-08-01
END = dt.date(2027, 8, 1)


def paid_members(count, on=START):
    members = []
    for _ in range(count):
        member = MemberFactory()
        pay_invoice(issue_invoice(member, on=on), on=on)
        members.append(member)
    return members


@pytest.fixture
def run_daily(django_capture_on_commit_callbacks):
    """The daily job as a worker runs it: committed, so the outbox sends what it queued."""

    def run(*, on):
        with django_capture_on_commit_callbacks(execute=True):
            return membership_daily(on=on)

    return run


def reminder_mails():
    return [m for m in mail.outbox if "Your ICMA membership" in m.subject]


def test_reminder_windows_stop_where_the_next_begins():
    assert reminder_windows([60, 30, 7], 60) == [
        ("60", -60, -30),
        ("30", -30, -7),
        ("7", -7, 0),
        ("grace", 0, 60),
    ]


@pytest.mark.django_db
def test_each_reminder_goes_out_once_when_the_job_runs_twice(run_daily):
    paid_members(3)
    day = END - dt.timedelta(days=30)
    mail.outbox.clear()
    first = run_daily(on=day)
    second = run_daily(on=day)
    assert first["reminders_sent"] == 3
    assert second["reminders_sent"] == 0
    assert len(reminder_mails()) == 3
    assert all("ends in 30 days" in m.subject for m in reminder_mails())


@pytest.mark.django_db
def test_reminders_60_30_7_and_grace_each_once_over_the_term(run_daily):
    (member,) = paid_members(1)
    mail.outbox.clear()
    day = END - dt.timedelta(days=70)
    while day < END + dt.timedelta(days=70):
        run_daily(on=day)
        day += dt.timedelta(days=1)
    keys = sorted(
        Reminder.objects.filter(term__membership__member=member).values_list("key", flat=True)
    )
    assert keys == ["30", "60", "7", "grace"]
    assert len(reminder_mails()) == 4
    assert Membership.objects.get(member=member).status == Status.LAPSED


@pytest.mark.django_db
def test_renewed_term_is_not_reminded(run_daily):
    (member,) = paid_members(1)
    pay_invoice(
        issue_invoice(member, kind="renewal", on=END - dt.timedelta(days=80)),
        on=END - dt.timedelta(days=80),
    )
    mail.outbox.clear()
    run_daily(on=END - dt.timedelta(days=30))
    assert reminder_mails() == []


@pytest.mark.django_db
def test_stored_status_follows_the_dates(run_daily):
    (member,) = paid_members(1)
    run_daily(on=END + dt.timedelta(days=1))
    assert Membership.objects.get(member=member).status == Status.GRACE
    run_daily(on=END + dt.timedelta(days=60))
    assert Membership.objects.get(member=member).status == Status.LAPSED


@pytest.mark.django_db
def test_unpaid_join_invoice_is_closed_after_30_days_with_a_notice(run_daily):
    member = MemberFactory()
    invoice = issue_invoice(member, on=START)
    mail.outbox.clear()
    run_daily(on=START + dt.timedelta(days=29))
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.OPEN
    run_daily(on=START + dt.timedelta(days=30))
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.EXPIRED
    assert any("closed unpaid" in m.subject for m in mail.outbox)
    assert Membership.objects.get(member=member).status == Status.CANCELLED


@pytest.mark.django_db
def test_installments_are_invoiced_before_due_and_60_days_overdue_ends_the_term(run_daily):
    (member,) = paid_members(1)
    renewal_day = END - dt.timedelta(days=30)
    renewal = issue_invoice(member, kind="renewal", on=renewal_day, installments=4)
    amounts = list(renewal.installments.values_list("amount_cents", flat=True))
    assert sum(amounts) == renewal.total_cents and len(amounts) == 4
    pay_invoice(renewal, on=renewal_day)  # the first installment activates the renewal
    membership = Membership.objects.get(member=member)
    assert membership.paid_through_on == dt.date(2028, 8, 1)
    second = renewal.installments.get(number=2)
    mail.outbox.clear()
    run_daily(on=second.due_on - dt.timedelta(days=21))
    assert any("installment 2 of 4" in m.subject for m in mail.outbox)
    overdue_day = second.due_on + dt.timedelta(days=60)
    run_daily(on=overdue_day)
    renewal_term = MembershipTerm.objects.get(pk=renewal.term_id)
    assert renewal_term.ended_early_on == overdue_day
    assert Membership.objects.get(member=member).paid_through_on == overdue_day
    run_daily(on=overdue_day + dt.timedelta(days=1))
    assert Membership.objects.get(member=member).status == Status.GRACE


@pytest.mark.django_db
def test_command_prints_a_summary():
    paid_members(2)
    out = io.StringIO()
    call_command("membership_daily", "--on", (END - dt.timedelta(days=7)).isoformat(), stdout=out)
    assert "reminders sent: 2" in out.getvalue()


@pytest.mark.django_db
def test_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="must be a date"):
        call_command("membership_daily", "--on", "yesterday")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_celery_workers_running_the_job_at_once_send_each_reminder_once(celery_workers):
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (concurrent workers need a real server)")
    paid_members(25)
    mail.outbox.clear()
    day = (END - dt.timedelta(days=7)).isoformat()
    with celery_workers(2):
        results = [run_membership_daily.delay(day) for _ in range(4)]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Reminder.objects.filter(sent_at__isnull=False).count() == 25:
                time.sleep(2)  # let the other runs finish too
                break
            time.sleep(0.2)
    assert len(results) == 4
    assert Reminder.objects.count() == 25
    assert len(reminder_mails()) == 25
    assert len({m.to[0] for m in reminder_mails()}) == 25
