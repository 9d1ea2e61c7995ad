from membership.permissions import user_is_international_staff, user_is_membership_staff


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_membership_staff": False, "nav_is_international_staff": False}
    return {
        "nav_is_membership_staff": user_is_membership_staff(user),
        "nav_is_international_staff": user_is_international_staff(user),
    }
