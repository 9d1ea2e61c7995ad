"""The daily job when parts of the world fail: mail down, a part that raises."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus
from communications.models import MessageState, OutgoingMessage
from communications.services.outbox import outbox_sweep
from membership import events
from membership.models import Reminder
from membership.services.daily import membership_daily
from tests.communications.test_outbox import FlakySMTP
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

START = dt.date(2026, 8, 1)
END = dt.date(2027, 8, 1)


def paid_member():
    member = MemberFactory()
    pay_invoice(issue_invoice(member, on=START), on=START)
    return member


def test_smtp_down_leaves_reminders_unsent_and_they_go_out_once_when_it_is_back(
    monkeypatch, django_capture_on_commit_callbacks
):
    for _ in range(3):
        paid_member()
    stale_join = issue_invoice(MemberFactory(), on=END - dt.timedelta(days=40))
    mail.outbox.clear()
    OutgoingMessage.objects.all().delete()
    FlakySMTP(failures=10_000).install(monkeypatch)  # the mail server refuses everything
    day = END - dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        summary = membership_daily(on=day)
    assert "failed_parts" not in summary
    assert summary["reminders_sent"] == 3
    # The day's other work ran anyway.
    assert Invoice.objects.get(pk=stale_join.pk).status == InvoiceStatus.EXPIRED
    assert mail.outbox == []
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 0
    assert OutgoingMessage.objects.filter(state=MessageState.QUEUED, attempts=1).count() == 4

    # The job runs again: nothing new is claimed, nothing is lost.
    with django_capture_on_commit_callbacks(execute=True):
        assert membership_daily(on=day)["reminders_sent"] == 0

    monkeypatch.undo()  # the mail server is back
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        outbox_sweep()
        outbox_sweep()
    reminders = [m for m in mail.outbox if "ends in 7 days" in m.subject]
    assert len(reminders) == 3
    assert len({m.to[0] for m in reminders}) == 3
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 3
    assert any("closed unpaid" in m.subject for m in mail.outbox)


def test_a_part_that_fails_does_not_stop_the_others(monkeypatch):
    paid_member()
    stale_join = issue_invoice(MemberFactory(), on=END - dt.timedelta(days=40))

    def broken(*, on):
        raise RuntimeError("reminders are broken today")

    monkeypatch.setitem(events.DAILY_PARTS, "reminders", broken)
    summary = membership_daily(on=END - dt.timedelta(days=7))
    assert summary["failed_parts"] == ["reminders"]
    assert Invoice.objects.get(pk=stale_join.pk).status == InvoiceStatus.EXPIRED
    assert "join_invoices_closed" in summary and "to_grace" in summary


def test_the_command_says_which_parts_failed_and_exits_non_zero(monkeypatch):
    def broken(*, on):
        raise RuntimeError("no")

    monkeypatch.setitem(events.DAILY_PARTS, "installment_notices", broken)
    out = io.StringIO()
    with pytest.raises(CommandError, match="installment_notices"):
        call_command("membership_daily", "--on", END.isoformat(), stdout=out)
    assert "reminders sent" in out.getvalue()


def test_the_parts_run_in_order_statuses_first():
    assert list(events.DAILY_PARTS)[:2] == ["statuses", "reminders"]
    assert {"installment_notices", "installments_overdue", "join_invoices_expire"} <= set(
        events.DAILY_PARTS
    )
