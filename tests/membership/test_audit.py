"""The audit trail other apps reuse: `audit_record` and `audit_diff`."""

from datetime import date

import pytest

from membership.models import AuditEntry, MembershipCategory
from membership.services.audit import audit_diff, audit_record

pytestmark = pytest.mark.django_db


def test_audit_record_names_the_actor_and_the_object(membership_staff):
    category = MembershipCategory.objects.get(code="full")
    entry = audit_record(
        actor=membership_staff, action="update", obj=category, changes={"name": ["A", "B"]}
    )
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor_repr == membership_staff.email
    assert (entry.object_type, entry.object_id) == (
        "membership.membershipcategory",
        str(category.pk),
    )
    assert entry.object_repr == "Full member"
    assert entry.changes == {"name": ["A", "B"]}


def test_audit_record_without_a_signed_in_actor_is_the_system():
    from django.contrib.auth.models import AnonymousUser

    category = MembershipCategory.objects.get(code="full")
    entry = audit_record(actor=AnonymousUser(), action="update", obj=category, changes={})
    assert entry.actor is None
    assert entry.actor_repr == ""


def test_audit_diff_keeps_only_changed_fields_as_json_values():
    before = {"cap": 100, "on": date(2026, 7, 1), "same": "x"}
    after = {"cap": 90, "on": date(2026, 8, 1), "same": "x"}
    assert audit_diff(before, after) == {
        "cap": [100, 90],
        "on": ["2026-07-01", "2026-08-01"],
    }


def test_audit_entries_survive_the_actor_account(membership_staff):
    category = MembershipCategory.objects.get(code="full")
    entry = audit_record(actor=membership_staff, action="update", obj=category, changes={})
    membership_staff.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_repr
