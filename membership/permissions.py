"""Who may see what. Staff screens check a group, not `is_staff` alone.

Staff rights count only after the two-factor step when STAFF_REQUIRE_2FA is on, wherever the
data appears (not by URL prefix): `staff_passes` is that rule, and the access rules for each
kind of data below (a member's profile and salary, invoices and receipts) build on it. The
rules for expert data and CVs live in `experts/access.py` and build on it too.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

MEMBERSHIP_STAFF_GROUP = "Membership staff"
INTERNATIONAL_STAFF_GROUP = "International programs staff"


class TwoFactorRequired(PermissionDenied):
    """Staff rights are held but the two-factor step is missing. The two-factor middleware
    turns this into a redirect to the authenticator setup; without it, it is a plain 403."""


def user_group_names(user) -> set[str]:
    """The user's group names, cached on the user object for the request. The same query
    says whether the user has TOTP set up (cached too), which every staff page asks next."""
    cache = getattr(user, "_portal_group_names", None)
    if cache is None:
        from allauth.mfa.models import Authenticator
        from django.contrib.auth import get_user_model
        from django.db.models import Exists, OuterRef

        totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        rows = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(has_totp=Exists(totp))
            .values_list("groups__name", "has_totp")
        )
        cache = set()
        for name, has_totp in rows:
            if name is not None:
                cache.add(name)
            user._portal_has_totp = has_totp
        user._portal_group_names = cache
    return cache


def user_needs_two_factor(user) -> bool:
    """Staff (Django `is_staff`, superusers or any staff group member) must have TOTP set up."""
    if not settings.STAFF_REQUIRE_2FA or not user.is_authenticated:
        return False
    # The group names first: their query also tells whether TOTP is set up.
    groups = user_group_names(user)
    is_staffish = user.is_staff or user.is_superuser or bool(groups)
    if not is_staffish:
        return False
    cached = getattr(user, "_portal_has_totp", None)
    if cached is None:
        from allauth.mfa.models import Authenticator

        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._portal_has_totp = cached
    return not cached


def user_in_group(user, group_name: str) -> bool:
    """Membership of the group (superusers are in every group); says nothing of two-factor."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return group_name in user_group_names(user)


def user_is_membership_staff(user) -> bool:
    return user_in_group(user, MEMBERSHIP_STAFF_GROUP)


def user_is_international_staff(user) -> bool:
    return user_in_group(user, INTERNATIONAL_STAFF_GROUP)


def staff_passes(user, group_name: str) -> bool:
    """True for a member of the group who has passed the two-factor step (when required).

    A group member without it raises `TwoFactorRequired`, so they are sent to set it up
    rather than told the page does not exist; anyone else gets False."""
    if not user_in_group(user, group_name):
        return False
    if user_needs_two_factor(user):
        raise TwoFactorRequired
    return True


def is_own(user, owner_user_id: int | None) -> bool:
    return bool(user.is_authenticated and owner_user_id is not None and owner_user_id == user.pk)


def member_data_visible(*, user, member) -> bool:
    """A member's profile and salary: the member themselves, or membership staff after the
    two-factor step."""
    return is_own(user, member.user_id) or staff_passes(user, MEMBERSHIP_STAFF_GROUP)


def invoice_visible(*, user, invoice) -> bool:
    """An invoice, its receipt and the receipt PDF: the invoiced member, or membership staff
    after the two-factor step."""
    return is_own(user, invoice.member.user_id) or staff_passes(user, MEMBERSHIP_STAFF_GROUP)


def member_data_check(*, user, member) -> None:
    """`member_data_visible`, or a 404 (the same answer as for a member that does not exist)."""
    if not member_data_visible(user=user, member=member):
        raise Http404


def invoice_check(*, user, invoice) -> None:
    """`invoice_visible`, or a 404 (the same answer as for an invoice that does not exist)."""
    if not invoice_visible(user=user, invoice=invoice):
        raise Http404


def group_required(group_name: str):
    """Anonymous visitors go to the login page; signed-in users outside the group get 403;
    group members without the two-factor step are sent to set it up (`staff_passes`)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not staff_passes(request.user, group_name):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_group = group_name
        return wrapped

    return decorator


membership_staff_required = group_required(MEMBERSHIP_STAFF_GROUP)
international_staff_required = group_required(INTERNATIONAL_STAFF_GROUP)
