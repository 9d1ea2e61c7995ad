"""Response headers that every page of the portal carries."""

from django.conf import settings
from django.utils.cache import patch_cache_control

# Browser features the portal never uses: a page (or an injected script) cannot ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def carries_personal_data(request, response) -> bool:
    """Anything shown to a signed-in user is theirs (or, for staff, other members'); a file
    download (receipt PDF, CSV export) is personal whoever asked for it."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return response.get("Content-Disposition", "").lower().startswith("attachment")


class SecurityHeadersMiddleware:
    """Sets Permissions-Policy on every response, and keeps personal responses out of browser
    and proxy caches (`Cache-Control: private, no-store`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if carries_personal_data(request, response):
            # `private` also drops a `public` a view may have set.
            patch_cache_control(response, private=True, no_store=True)
        return response


def user_is_staffish(user) -> bool:
    """Django staff, superusers and anyone in a staff group."""
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.exists()


def staff_session_shorten(sender, request, user, **kwargs):
    """A staff session lasts STAFF_SESSION_SECONDS (counted from its last change, in practice
    from sign-in), not the two weeks members get: a forgotten staff browser opens every
    member's file."""
    if request is None or not hasattr(request, "session"):
        return
    if user_is_staffish(user):
        request.session.set_expiry(settings.STAFF_SESSION_SECONDS)


class ServedByMiddleware:
    """Names the web node that answered in `X-Served-By` (NODE_NAME), so a load balancer's
    spread of requests can be seen and tested. Without NODE_NAME it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.node = settings.NODE_NAME

    def __call__(self, request):
        response = self.get_response(request)
        if self.node:
            response["X-Served-By"] = self.node
        return response
