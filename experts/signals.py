"""The pool follows the membership: a lapse pauses the expert, a renewal brings them back."""

from django.dispatch import receiver

from experts.services.profiles import (
    expert_pause_for_lapse,
    expert_resume_after_reinstatement,
    experts_pause_for_lapse,
)
from membership.events import membership_lapsed, membership_reinstated, memberships_lapsed


@receiver(membership_lapsed, dispatch_uid="experts_pause_on_lapse")
def _pause_on_lapse(sender, member, **kwargs):
    expert_pause_for_lapse(member=member)


@receiver(memberships_lapsed, dispatch_uid="experts_pause_on_daily_lapses")
def _pause_on_daily_lapses(sender, member_ids, **kwargs):
    experts_pause_for_lapse(member_ids=member_ids)


@receiver(membership_reinstated, dispatch_uid="experts_resume_on_reinstatement")
def _resume_on_reinstatement(sender, member, **kwargs):
    expert_resume_after_reinstatement(member=member)
