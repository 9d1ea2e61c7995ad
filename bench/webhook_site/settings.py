"""Production settings, with the baselines' URLs in front of the portal's."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "webhook_site.urls"
# The baselines take the webhook's way through the server, whatever that way is: a path listed
# as lean (when the code has such a list) skips the middleware the webhook skips.
if "LEAN_PATHS" in globals():
    LEAN_PATHS = [*LEAN_PATHS, "/bench/bare-lean/", "/bench/lookup/"]  # noqa: F405
