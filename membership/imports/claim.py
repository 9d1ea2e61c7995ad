"""The "claim your account" e-mail for imported members: a signed, expiring allauth
password-set link. Using it proves the member reads the address, so it also verifies it."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from communications.services.outbox import Draft, message_queue, messages_queue
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


@transaction.atomic
def member_claim_send(*, member_id: int) -> bool:
    """Queue the claim e-mail for one account that has never been signed in to (an imported
    member, or one staff opened by hand). Returns False when the account has been used.

    The first one is keyed like the import's batches, so a batch never sends a second; a
    later one (the first link expired) is keyed by its time, so a double click sends one."""
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=member_id, user__last_login__isnull=True, user__is_active=True)
        .first()
    )
    if member is None:
        return False
    now = timezone.now()
    key = f"claim-{member.pk}"
    if member.claim_sent_at is not None:
        key = f"{key}-{now:%Y%m%d%H%M}"
    message_queue(
        to=member.user.email,
        template=CLAIM_TEMPLATE,
        context={"member": member, "claim_url": claim_url(member.user)},
        user=member.user,
        key=key,
        facts={"member_id": member.pk},
    )
    member.claim_sent_at = now
    member.save(update_fields=["claim_sent_at"])
    return True


def claim_verify_address(*, user) -> None:
    """After an imported member, or one staff opened an account for, set a password through
    the e-mailed link: the link reached the address, so the address is verified."""
    claimable = Member.objects.filter(user=user).filter(
        Q(legacy_id__isnull=False) | Q(claim_sent_at__isnull=False)
    )
    if not claimable.exists():
        return
    EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=False).update(
        verified=True
    )
