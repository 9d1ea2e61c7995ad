"""The "claim your account" e-mail for imported members: a signed, expiring allauth
password-set link. Using it proves the member reads the address, so it also verifies it."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from communications.services.outbox import Draft, messages_queue
from membership.models import Member

CLAIM_TEMPLATE = "membership/email/claim_account"


def claim_url(user) -> str:
    """allauth's own password-reset-from-key link: signed with the user's password hash and
    last login, so it stops working once used, and after PASSWORD_RESET_TIMEOUT."""
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"}
    ).replace("UID-KEY", key)
    return settings.SITE_URL + path


@transaction.atomic
def claims_queue(*, import_id: int, limit: int) -> int:
    """Queue the claim e-mail for up to `limit` members of the import who have neither been
    sent one nor signed in. Keyed per member, so a repeat never sends a second one."""
    members = list(
        Member.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(member_import_id=import_id, claim_sent_at__isnull=True)
        .filter(user__last_login__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")[:limit]
    )
    if not members:
        return 0
    messages_queue(
        [
            Draft(
                to=member.user.email,
                template=CLAIM_TEMPLATE,
                context={"member": member, "claim_url": claim_url(member.user)},
                user_id=member.user_id,
                key=f"claim-{member.pk}",
                facts={"member_id": member.pk},
            )
            for member in members
        ]
    )
    Member.objects.filter(pk__in=[m.pk for m in members]).update(claim_sent_at=timezone.now())
    return len(members)


def claim_verify_address(*, user) -> None:
    """After an imported member set a password through the e-mailed link: the link reached
    the address, so the address is verified."""
    if not Member.objects.filter(user=user, legacy_id__isnull=False).exists():
        return
    EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=False).update(
        verified=True
    )
