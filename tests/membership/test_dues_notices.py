"""Dues-change notices at publish match the impact preview member by member."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from communications.models import OutgoingMessage
from membership.models import DuesRate
from membership.services.dues import dues_quote
from membership.services.dues_notices import dues_change_notices_queue
from membership.services.dues_preview import dues_impact_preview
from membership.services.dues_schedules import schedule_publish
from tests.factories import MemberFactory, activate_membership
from tests.membership.dues_helpers import draft_from_current

pytestmark = pytest.mark.django_db

AMOUNT = re.compile(r"^  (?!Total)(.+): (-?)\$([\d,]+)\.(\d\d)$", re.M)
TOTAL = re.compile(r"^  Total: \$([\d,]+)\.(\d\d)$", re.M)


def cents(dollars, rest):
    return int(dollars.replace(",", "")) * 100 + int(rest)


def members():
    people = [
        MemberFactory(position="cao", annual_salary_cents=150_000_00, population=250_000),
        MemberFactory(position="cao", annual_salary_cents=220_000_00, population=250_000),
        MemberFactory(
            position="acao",
            annual_salary_cents=120_000_00,
            population=5_000,
            general_fund_budget_cents=5_000_000_00,
        ),
        MemberFactory(position="department_head"),  # flat affiliate: unchanged
        MemberFactory(position="student"),  # unchanged
    ]
    for person in people:
        activate_membership(person)
    return people


def test_publishing_with_notices_sends_each_changed_member_their_own_quotes(
    membership_staff, django_capture_on_commit_callbacks
):
    people = members()
    draft = draft_from_current()
    DuesRate.objects.filter(schedule=draft, category__code="full", method="salary_percent").update(
        percent_bp=70, cap_cents=1_300_00
    )
    start = timezone.localdate() + timedelta(days=30)
    preview = dues_impact_preview(schedule=draft)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_publish(
            schedule_id=draft.pk, actor=membership_staff, effective_from=start, notify_members=True
        )
    notices = list(OutgoingMessage.objects.filter(key__startswith=f"dues-change-{draft.pk}-"))
    # The count, the members and the amounts are the preview's.
    assert len(notices) == preview.members_more + preview.members_less == 3
    assert sum(n.context["after_cents"] - n.context["before_cents"] for n in notices) == (
        preview.total_change_cents
    )
    by_member = {n.context["member_id"]: n for n in notices}
    for change in preview.largest_changes:
        notice = by_member[change.member_id]
        assert (notice.context["before_cents"], notice.context["after_cents"]) == (
            change.before_cents,
            change.after_cents,
        )
    unchanged = {people[3].pk, people[4].pk}
    assert not unchanged & set(by_member)
    for person in people[:3]:
        notice = by_member[person.pk]
        facts = {
            "category": "full",
            "position": person.position,
            "salary_cents": person.annual_salary_cents,
            "population": person.population,
            "budget_cents": person.general_fund_budget_cents,
        }
        today = dues_quote(**facts, on=timezone.localdate()).total_cents
        later = dues_quote(**facts, on=start).total_cents
        assert (notice.context["before_cents"], notice.context["after_cents"]) == (today, later)
        # Each quote's printed lines add up to its printed total.
        before_part, after_part = notice.body_text.split("\nFrom ", 1)
        for part, total in ((before_part, today), (after_part, later)):
            lines = [
                (-1 if m.group(2) else 1) * cents(m.group(3), m.group(4))
                for m in AMOUNT.finditer(part)
            ]
            (printed_total,) = [cents(*m.groups()) for m in TOTAL.finditer(part)]
            assert sum(lines) == printed_total == total, notice.body_text
        assert start.strftime("%B") in notice.subject
        assert notice.to == person.user.email and notice.user_id == person.user_id
    assert len([m for m in mail.outbox if "dues change" in m.subject]) == 3


def test_running_the_notices_again_sends_nothing_twice(
    membership_staff, django_capture_on_commit_callbacks
):
    members()
    draft = draft_from_current()
    DuesRate.objects.filter(schedule=draft, category__code="full", method="salary_percent").update(
        percent_bp=70
    )
    start = timezone.localdate() + timedelta(days=30)
    schedule_publish(schedule_id=draft.pk, actor=membership_staff, effective_from=start)
    assert not OutgoingMessage.objects.filter(key__startswith="dues-change-").exists()
    dues_change_notices_queue(schedule_id=draft.pk)
    dues_change_notices_queue(schedule_id=draft.pk)
    # The capped CAO stays at the cap: two changes, each queued once.
    assert OutgoingMessage.objects.filter(key__startswith=f"dues-change-{draft.pk}-").count() == 2
