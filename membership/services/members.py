"""Services that create and change members."""

from django.db import transaction
from django.utils import timezone

from membership.models import Member

PROFILE_FIELDS = (
    "full_name",
    "position",
    "job_title",
    "employer",
    "country",
    "state_province",
    "population",
    "general_fund_budget_cents",
    "annual_salary_cents",
    "small_community_attested_on",
)


def member_create(*, user, **facts) -> Member:
    """Every account has exactly one member; creating it twice returns the first one."""
    unknown = set(facts) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown member facts: {sorted(unknown)}")
    member, created = Member.objects.get_or_create(user=user, defaults=facts)
    if not created and facts:
        member_update_profile(member=member, **facts)
    return member


@transaction.atomic
def member_update_profile(*, member: Member, **changes) -> Member:
    """Change the member's own profile facts; only known profile fields can change."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown member facts: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(member, field, value)
    member.full_clean(exclude=["user"])
    member.save(update_fields=[*changes, "updated_at"])
    return member


def member_send_welcome(*, member_id: int) -> bool:
    """Queue the welcome e-mail once per member, however often it is asked for.

    Returns True when this call queued it. The row lock makes two callers racing on the same
    member queue one message between them; the outbox then sends it (and retries it)."""
    from communications.services.outbox import message_queue

    with transaction.atomic():
        member = (
            Member.objects.select_for_update().select_related("user").filter(pk=member_id).first()
        )
        if member is None or member.welcome_sent_at is not None:
            return False
        message_queue(
            to=member.user.email,
            template="membership/email/welcome",
            context={"member": member},
            user=member.user,
            key=f"welcome-{member.pk}",
            facts={"member_id": member.pk},
        )
        member.welcome_sent_at = timezone.now()
        member.save(update_fields=["welcome_sent_at"])
        return True
