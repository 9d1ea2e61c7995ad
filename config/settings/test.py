"""Test settings: the suite's database comes from DATABASE_URL (PostgreSQL in CI)."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STAFF_REQUIRE_2FA = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
ACCOUNT_RATE_LIMITS = False
SIGNUP_MIN_SECONDS = 0.0  # the sign-up timing test sets production's floor
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# Tasks run eagerly and beat does not run: every stored event rings (tests of the interval set
# it themselves).
STRIPE_EVENT_RING_EVERY_SECONDS = 0
# Tests see every change at once; tests/reports/test_snapshots.py sets the production window.
REPORTS_STALE_SECONDS = 0
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="icma-private-"))  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
