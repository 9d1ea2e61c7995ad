"""Who bulk mail skips: unsubscribes and hard bounces, and the signed unsubscribe link.

Rules:
- An address is suppressed once (lower-cased); unsubscribing again changes nothing.
- Only bulk mail (campaigns) reads the list. Messages about the member's own account or money
  (invoices, receipts, reminders, card notices) are sent whatever it says.
- The unsubscribe link carries the account id signed with the secret key and a salt of its
  own: it works without signing in, from any mail client, and cannot be made up for another
  member. It never expires (RFC 8058 asks that a link in an old message still work).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from communications.models import Suppression, SuppressionReason

_SALT = "communications.unsubscribe"


def unsubscribe_token(user_id: int) -> str:
    return signing.Signer(salt=_SALT).sign(str(user_id))


def user_from_token(token: str):
    """The account an unsubscribe token was made for, or None when it was not made by us."""
    try:
        value = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return get_user_model().objects.filter(pk=int(value)).first()


def unsubscribe_url(user_id: int) -> str:
    path = reverse("communications:unsubscribe", args=[unsubscribe_token(user_id)])
    return f"{settings.SITE_URL}{path}"


def list_unsubscribe_headers(user_id: int) -> dict:
    """RFC 2369 List-Unsubscribe with an https link, and RFC 8058 one-click: a mail client
    POSTs `List-Unsubscribe=One-Click` to that link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def suppression_add(*, email: str, user=None, reason: str, detail: str = "") -> Suppression:
    """Suppress an address (idempotent: the first reason stays)."""
    email = (email or "").strip().lower()
    user_id = getattr(user, "pk", user)
    existing = Suppression.objects.filter(email=email).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Suppression.objects.create(
                email=email, user_id=user_id, reason=reason, detail=detail[:500]
            )
    except IntegrityError:
        return Suppression.objects.get(email=email)


def unsubscribe(*, user) -> Suppression:
    return suppression_add(email=user.email, user=user, reason=SuppressionReason.UNSUBSCRIBED)


def resubscribe(*, user) -> int:
    """The member asks for bulk mail again: their unsubscribes go. A bounce of an address stays
    until the address changes (mail to it would only bounce again)."""
    deleted, _ = Suppression.objects.filter(
        reason=SuppressionReason.UNSUBSCRIBED, email__in={user.email.lower()}
    ).delete()
    deleted_by_user, _ = Suppression.objects.filter(
        user=user, reason=SuppressionReason.UNSUBSCRIBED
    ).delete()
    return deleted + deleted_by_user


def suppression_for(*, user) -> Suppression | None:
    return Suppression.objects.filter(email=user.email.lower()).first()
