"""membership/json_rows.py: a whole row read as a JSON column of another query (the dashboard's
rules and latest waiver) comes back as the same values as reading the row itself, field by
field, on PostgreSQL and SQLite alike, and compiles to one expression whatever the number of
fields (the dashboard compiles it on every request)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from membership.json_rows import WholeRow
from membership.models import Member, MembershipRules, WaiverRequest
from membership.selectors import waiver_from_column, waiver_last_column
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_rules_read_as_a_column_are_the_rules_field_by_field():
    rules = MembershipRules.current()
    rules.reminder_days = [45, 10]
    rules.card_retry_days = [1, 3]
    rules.grace_days = 75
    rules.save()
    member = MemberFactory()

    row = Member.objects.annotate(rules_row=MembershipRules.column()).get(pk=member.pk).rules_row

    assert field_values(MembershipRules.from_column(row)) == field_values(rules)


def test_the_latest_waiver_read_as_a_column_is_that_waiver_field_by_field():
    member = MemberFactory()
    older = WaiverRequest.objects.create(member=member, reason="Between posts since May")
    WaiverRequest.objects.filter(pk=older.pk).update(
        requested_at=timezone.now() - dt.timedelta(days=400), status="approved",
        decided_at=timezone.now() - dt.timedelta(days=399), decision_note="Approved, 6 months",
    )  # fmt: skip
    latest = WaiverRequest.objects.create(member=member, reason="Laid off in a budget cut: 市政")
    latest.refresh_from_db()

    row = Member.objects.annotate(w=waiver_last_column()).get(pk=member.pk).w

    assert field_values(waiver_from_column(row)) == field_values(latest)
    assert waiver_from_column(Member.objects.annotate(w=waiver_last_column()).get(
        pk=MemberFactory().pk).w) is None  # fmt: skip


def test_a_whole_row_compiles_to_one_expression_not_one_per_field():
    sql, params = MembershipRules.objects.values(
        row=WholeRow(MembershipRules)
    ).query.sql_with_params()
    fields = len(MembershipRules._meta.concrete_fields)
    assert fields > 10
    if connection.vendor == "postgresql":
        assert "TO_JSONB(" in sql and sql.count('"') <= 8  # the table's name, not its columns
    assert params == ()
