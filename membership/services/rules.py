from django.db import transaction
from django.forms.models import model_to_dict

from membership.models import MembershipRules
from membership.services.audit import audit_diff, audit_record


@transaction.atomic
def rules_update(*, actor, **changes) -> MembershipRules:
    """Change the lifecycle's numbers (term length, grace, reminders, ...); audited."""
    rules = MembershipRules.objects.select_for_update().get(pk=MembershipRules.current().pk)
    before = model_to_dict(rules)
    for field, value in changes.items():
        setattr(rules, field, value)
    rules.full_clean()
    rules.save()
    diff = audit_diff(before, model_to_dict(rules))
    if diff:
        audit_record(actor=actor, action="update", obj=rules, changes=diff)
    return rules
