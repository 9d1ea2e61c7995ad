"""Membership staff doing a member's work: opening an account by hand, changing the facts.

Every change is one entry in the audit trail (`AuditEntry` on the member, action
`staff_create` or `staff_update`), written in the transaction that makes it; the member's own
pages read the latest `staff_update` to say that staff changed their facts, and when.
"""

from allauth.account.models import EmailAddress
from allauth.utils import generate_unique_username
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from membership.models import AuditEntry, Member
from membership.services.audit import audit_record
from membership.services.members import PROFILE_FIELDS

STAFF_CREATE = "staff_create"
STAFF_UPDATE = "staff_update"

# The salary's amounts stay out of the trail: an old salary kept there would outlive the
# account's closure, which erases the current figure only (privacy/services/closure.py).
# The trail says that it changed, and who changed it.
CONFIDENTIAL_FIELDS = frozenset({"annual_salary_cents"})
CONFIDENTIAL = "(confidential)"

# The facts staff may set on a member's behalf: the profile without the community
# confirmation, which only the member gives at checkout.
STAFF_EDITABLE_FIELDS = tuple(f for f in PROFILE_FIELDS if f != "small_community_attested_on")


class DuplicateEmail(ValidationError):
    """The address already belongs to an account; `member` is that account's member."""

    def __init__(self, member: Member):
        self.member = member
        super().__init__(
            {
                "email": _(
                    "%(email)s already has an account: member %(number)s. Open that member "
                    "instead of creating a second one."
                )
                % {"email": member.user.email, "number": member.member_number}
            }
        )


def member_by_email(*, email: str) -> Member | None:
    """The member whose account uses `email` as its login or one of its addresses."""
    email = email.strip()
    user_ids = set(
        get_user_model().objects.filter(email__iexact=email).values_list("pk", flat=True)
    )
    user_ids |= set(
        EmailAddress.objects.filter(email__iexact=email).values_list("user_id", flat=True)
    )
    if not user_ids:
        return None
    return Member.objects.select_related("user").filter(user_id__in=user_ids).order_by("pk").first()


def _plain(value):
    """A value as the trail stores it: a country by its code, empty text as None."""
    value = getattr(value, "code", value)
    return None if value == "" else value


def _audit_changes(before: dict, after: dict) -> dict:
    changes = {}
    for field in STAFF_EDITABLE_FIELDS:
        if field not in before and field not in after:
            continue
        old, new = _plain(before.get(field)), _plain(after.get(field))
        if old == new:
            continue
        if field in CONFIDENTIAL_FIELDS:
            old = None if old is None else CONFIDENTIAL
            new = None if new is None else CONFIDENTIAL
        changes[field] = (old, new)
    return changes


def member_create_by_staff(*, email: str, created_by, **facts) -> Member:
    """Open an account for a person on their behalf: no password (they set one through the
    claim e-mail, which also verifies the address), and the profile facts staff typed.
    An address that already has an account is refused, naming that member."""
    unknown = set(facts) - set(STAFF_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown member facts: {sorted(unknown)}")
    # Lower case, as allauth keeps every address.
    email = email.strip().lower()
    existing = member_by_email(email=email)
    if existing is not None:
        raise DuplicateEmail(existing)
    try:
        with transaction.atomic():
            user = get_user_model().objects.create(
                username=generate_unique_username([email, "member"]),
                email=email,
                password=make_password(None),
            )
            EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
            # The account's signal made the member row; the facts go on it here.
            member = Member.objects.select_for_update().select_related("user").get(user=user)
            for field, value in facts.items():
                setattr(member, field, value)
            member.full_clean(exclude=["user"])
            member.save()
            audit_record(
                actor=created_by,
                action=STAFF_CREATE,
                obj=member,
                changes=_audit_changes({}, facts),
            )
    except IntegrityError:
        # Two staff typing the same address at once: the second meets the first's account.
        existing = member_by_email(email=email)
        if existing is None:
            raise
        raise DuplicateEmail(existing) from None
    return member


@transaction.atomic
def member_update_by_staff(*, member: Member, changed_by, **changes) -> AuditEntry | None:
    """Change a member's profile and dues facts for them. Returns the audit entry, or None
    when nothing changed (then nothing is written and the member is told nothing)."""
    unknown = set(changes) - set(STAFF_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown member facts: {sorted(unknown)}")
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    before = {field: getattr(member, field) for field in changes}
    diff = _audit_changes(before, changes)
    if not diff:
        return None
    for field, value in changes.items():
        setattr(member, field, value)
    member.full_clean(exclude=["user"])
    member.save(update_fields=[*changes, "updated_at"])
    return audit_record(actor=changed_by, action=STAFF_UPDATE, obj=member, changes=diff)
