"""The audit trail: any app records who changed what through `audit_record`."""

from datetime import date, datetime
from decimal import Decimal

from django.db import models

from membership.models import AuditEntry


def json_safe(value):
    """A value as it can be stored in JSON and read back by a person."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(json_safe(v) for v in value)
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def audit_diff(before: dict, after: dict) -> dict[str, list]:
    """`{field: [old, new]}` for the fields whose value differs (missing counts as None)."""
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = json_safe(before.get(field)), json_safe(after.get(field))
        if old != new:
            changes[field] = [old, new]
    return changes


def audit_record(*, actor, action: str, obj: models.Model, changes: dict | None = None):
    """Append one entry to the audit trail. Call it inside the transaction that makes the change,
    so the history and the data never disagree."""
    actor_repr = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_repr = actor.get_username()
    else:
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_repr=actor_repr,
        action=action,
        object_type=f"{obj._meta.app_label}.{obj._meta.model_name}",
        object_id=str(obj.pk),
        object_repr=str(obj)[:250],
        changes={k: [json_safe(o), json_safe(n)] for k, (o, n) in (changes or {}).items()},
    )
