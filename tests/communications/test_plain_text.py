"""Plain-text e-mails arrive as typed: no HTML escaping of names or employers."""

import datetime as dt

import pytest
from django.core import mail

from membership.services.daily import membership_daily
from membership.services.members import member_send_welcome
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

NAME = "Pat O'Brien & Sons <Consulting>"


def test_welcome_invoice_receipt_and_reminder_keep_the_name_as_typed(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        member = MemberFactory(full_name=NAME)
        member_send_welcome(member_id=member.pk)
        start = dt.date(2026, 8, 1)
        invoice = issue_invoice(member, on=start)
        pay_invoice(invoice, on=start)
        membership_daily(on=dt.date(2027, 8, 1) - dt.timedelta(days=30))
    subjects = [m.subject for m in mail.outbox]
    assert any("Welcome to ICMA, " + NAME in s for s in subjects)
    kinds = {
        "welcome": "Welcome to ICMA",
        "invoice": f"ICMA invoice {invoice.number}",
        "receipt": "receipt",
        "reminder": "ends in 30 days",
    }
    for kind, marker in kinds.items():
        found = [m for m in mail.outbox if marker.lower() in m.subject.lower()]
        assert found, f"no {kind} e-mail among {subjects}"
        body = found[0].body
        assert NAME in body, f"{kind}: {body[:200]!r}"
        for escaped in ("&#x27;", "&amp;", "&lt;", "&gt;"):
            assert escaped not in body, f"{kind} e-mail is HTML-escaped"
