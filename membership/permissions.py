"""Who may see what. Staff screens check a group, not `is_staff` alone."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

MEMBERSHIP_STAFF_GROUP = "Membership staff"
INTERNATIONAL_STAFF_GROUP = "International programs staff"


def user_group_names(user) -> set[str]:
    """The user's group names, cached on the user object for the request (one query)."""
    cache = getattr(user, "_portal_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._portal_group_names = cache
    return cache


def user_in_group(user, group_name: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return group_name in user_group_names(user)


def user_is_membership_staff(user) -> bool:
    return user_in_group(user, MEMBERSHIP_STAFF_GROUP)


def user_is_international_staff(user) -> bool:
    return user_in_group(user, INTERNATIONAL_STAFF_GROUP)


def group_required(group_name: str):
    """Anonymous visitors go to the login page; signed-in users outside the group get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_in_group(request.user, group_name):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_group = group_name
        return wrapped

    return decorator


membership_staff_required = group_required(MEMBERSHIP_STAFF_GROUP)
international_staff_required = group_required(INTERNATIONAL_STAFF_GROUP)
