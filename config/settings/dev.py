"""Local development and the `make run` demo: SQLite, eager Celery, e-mail to the console."""

import os

from .base import *  # noqa: F403
from .base import _logging, env_bool

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
# Off in the demo so a newcomer can look around the staff screens; on in production.
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", False)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Logs readable in a terminal unless LOG_FORMAT says otherwise.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console")
LOGGING = _logging(LOG_FORMAT, LOG_LEVEL)  # noqa: F405
