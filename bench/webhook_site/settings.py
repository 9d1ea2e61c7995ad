"""Production settings, with the baselines' URLs in front of the portal's."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "webhook_site.urls"
