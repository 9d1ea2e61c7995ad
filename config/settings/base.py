"""Settings shared by every environment. Everything that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_countries",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "pgtrigger",
    "pghistory",
    "membership",
    "billing",
    "experts",
    "communications",
    "csp",
    "config.apps.PortalConfig",
    "reports",
    "privacy",
]

MIDDLEWARE = [
    # Outermost, so every answer (redirects and refusals included) names its node.
    "config.middleware.ServedByMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Outside everything that can answer early (a bad Host, static files): it reads
    # `request.user` only on the way out, once AuthenticationMiddleware has set it.
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: picks the language from the language cookie (set by the
    # switch in the footer) or the browser's Accept-Language; English when neither matches.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "membership.uploads.UploadLimitMiddleware",
    "membership.history.HistoryContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "membership.middleware.StaffTwoFactorMiddleware",
]
# Which web node answered (the `X-Served-By` response header), e.g. `web1`; unset: no header.
NODE_NAME = os.environ.get("NODE_NAME", "")

# --- Content-Security-Policy (django-csp) ---
# Everything the portal loads is its own: scripts and styles are static files, never inline,
# and nothing comes from a CDN. The only inline style allowed is allauth's `style="display:
# none"` on the hidden form of a pending e-mail change, by its exact hash.
ALLAUTH_HIDDEN_FORM_STYLE_HASH = "'sha256-ZdHxw9eWtnxUb3mk6tBS+gIiVUPE3pGM470keHPDFlE='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-hashes'", ALLAUTH_HIDDEN_FORM_STYLE_HASH],
        # data: for the QR code allauth draws when a user sets up an authenticator app.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # No form-action: paying by card posts here and is redirected to Stripe's Checkout,
        # and browsers apply form-action to that redirect.
    },
}

# --- History of money and lifecycle rows (django-pghistory, PostgreSQL triggers) ---
# Each change gets the time it happened, not the time its transaction began, so the changes
# one request makes read in the order they were made.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

ROOT_URLCONF = "config.urls"
# Django's own form templates from their Jinja2 copies (faster, the same markup); a field's
# own template (e.g. a checkbox row) from templates/ (config/form_renderer.py).
FORM_RENDERER = "config.form_renderer.PortalFormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "membership.context_processors.navigation",
                "membership.page_cache.csrf_placeholder",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A member's own pages are served from the cache while nothing they show has changed
# (membership/page_cache.py; PostgreSQL only). The timeout bounds what changes with the clock
# alone; 0 turns the cache off.
MEMBER_PAGE_CACHE_SECONDS = int(os.environ.get("MEMBER_PAGE_CACHE_SECONDS", "300"))

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# English is the portal's language; Simplified Chinese covers the expert pool's member pages,
# its consent text and everything sent to Chinese partners (docs/decisions/011).
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True
# One date format across the portal ("December 2, 2026"): config/formats/en/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded private files (CVs) are never under a public path and are served only through views.
# CV_STORAGE: `database` (the default: every web node reads the same rows, and a database backup
# carries them), `s3` (an S3-compatible bucket through django-storages), or `filesystem` (a
# folder under PRIVATE_MEDIA_ROOT: one machine only). See experts/storage.py.
CV_STORAGE = os.environ.get("CV_STORAGE", "database").strip().lower() or "database"
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
# Request sizes. A CV may be 5 MB (experts/services/cv.py); a request a little larger carries
# one with the rest of its form. Larger requests get 413 before their body is read.
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024 + 512 * 1024)))
# An export of the old system for the member import (membership/imports/): stored in the
# database, so it must fit in one request (MAX_UPLOAD_BYTES) too.
MEMBER_IMPORT_MAX_BYTES = int(os.environ.get("MEMBER_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# Claim-your-account e-mails queued per click on the import page (throttled batches).
MEMBER_IMPORT_CLAIM_BATCH = int(os.environ.get("MEMBER_IMPORT_CLAIM_BATCH", "500"))
# Fields other than files (the dues editor is the largest form, Stripe events the largest
# bodies): far below this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Uploaded files above this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "membership.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
if CV_STORAGE == "s3":
    # Read by django-storages; credentials may also come from boto3's own chain (roles, files).
    AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    CV_S3_PREFIX = os.environ.get("CV_S3_PREFIX", "expert-cvs")

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# Staff land on their work queue (/staff/), members on the home page.
ACCOUNT_ADAPTER = "membership.accounts.AccountAdapter"

# --- Accounts (django-allauth) ---
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "membership.forms.SignupProfileForm"
ACCOUNT_FORMS = {"signup": "membership.signup.EvenCostSignupForm"}
# A valid sign-up answers no sooner than this, for a new and a registered address alike.
SIGNUP_MIN_SECONDS = float(os.environ.get("SIGNUP_MIN_SECONDS", "1.0"))
# Account e-mails name the portal, never the host they were requested from.
ACCOUNT_EMAIL_SUBJECT_PREFIX = "ICMA member portal: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# Behind the load balancer every request comes from its address; it appends the client's to
# X-Forwarded-For. Production sets how many proxies to trust (see production.py); the rate
# limits below then count per client. Each limit that a crowd behind one address could hit
# also has a per-account (`key`) part, so rotating addresses does not help against one account.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # 10 failures a minute from one client, 5 in 5 minutes against one account.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "manage_email": "10/m/user",
}
# Signing up with an address that has an account shows the same page as a new one and mails
# the owner instead (allauth's default, stated here because the signup form relies on it).
ACCOUNT_PREVENT_ENUMERATION = True
# Staff sessions are short; members keep Django's two weeks (SESSION_COOKIE_AGE).
STAFF_SESSION_SECONDS = int(os.environ.get("STAFF_SESSION_SECONDS", str(8 * 60 * 60)))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ICMA membership portal"
# Staff must have TOTP before any staff page or the Django admin opens.
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", True)

# --- E-mail ---
EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ICMA Membership <membership@icma.org>")
# A mail server that hangs must not hold a worker: give up on one SMTP conversation after this.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# The outbox: retry backoff base, when a due message counts as idle, when `sending` is stale.
OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "60"))
OUTBOX_SWEEP_AFTER_SECONDS = int(os.environ.get("OUTBOX_SWEEP_AFTER_SECONDS", "60"))
# A bulk send whose last step is older than this (its task lost with a worker) is resumed by
# the outbox sweep.
CAMPAIGN_STALE_SECONDS = int(os.environ.get("CAMPAIGN_STALE_SECONDS", "120"))
OUTBOX_SENDING_STALE_SECONDS = int(os.environ.get("OUTBOX_SENDING_STALE_SECONDS", "900"))


def _email_settings(url: str) -> dict:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme in {"smtp", "smtps", "submission"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": parsed.scheme == "submission",
        }
    raise ValueError(f"EMAIL_URL scheme {parsed.scheme!r} is not supported")


globals().update(_email_settings(EMAIL_URL))

# --- Celery ---
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message taken by a worker that dies comes back after this many seconds (kombu's default is
# an hour). It must stay above the hard time limit so a running task is not handed out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600")),
}
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = TIME_ZONE
# Queues: webhooks must never wait behind a bulk send. Workers name them all:
# `celery -A config worker -Q celery,webhooks,mail,bulk`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "billing.tasks.process_stripe_event": {"queue": "webhooks"},
    "billing.tasks.drain_stripe_events": {"queue": "webhooks"},
    "billing.tasks.stripe_events_sweep": {"queue": "webhooks"},
    "communications.tasks.send_message": {"queue": "mail"},
    "communications.tasks.send_messages": {"queue": "mail"},
    "communications.tasks.sweep_outbox": {"queue": "mail"},
    "communications.tasks.send_campaign_step": {"queue": "bulk"},
    "membership.tasks.run_daily_part": {"queue": "bulk"},
    "membership.tasks.send_dues_change_notices": {"queue": "bulk"},
    "membership.tasks.member_import_commit_task": {"queue": "bulk"},
    "membership.tasks.member_import_claims_task": {"queue": "bulk"},
    "reports.tasks.refresh_report_snapshots": {"queue": "bulk"},
    "reports.tasks.refresh_report_snapshot": {"queue": "bulk"},
    "billing.tasks.member_export_task": {"queue": "bulk"},
    "billing.tasks.member_exports_sweep_task": {"queue": "bulk"},
    "membership.tasks.dues_impact_task": {"queue": "bulk"},
}
CELERY_QUEUE_NAMES = ["celery", "webhooks", "mail", "bulk"]
# Stripe events: when a `received` event counts as forgotten, and the retry backoff base.
STRIPE_EVENT_SWEEP_AFTER_SECONDS = int(os.environ.get("STRIPE_EVENT_SWEEP_AFTER_SECONDS", "120"))
STRIPE_EVENT_RETRY_BASE_SECONDS = int(os.environ.get("STRIPE_EVENT_RETRY_BASE_SECONDS", "30"))
STRIPE_EVENT_PROCESSING_STALE_SECONDS = int(
    os.environ.get("STRIPE_EVENT_PROCESSING_STALE_SECONDS", "300")
)
# A webhook burst publishes one drain task; the bell stays rung this long if that task is lost.
STRIPE_EVENT_DOORBELL_SECONDS = int(os.environ.get("STRIPE_EVENT_DOORBELL_SECONDS", "30"))
# Each web process looks at the bell at most this often (a cache round trip), not per event.
# Without Redis (tasks run eagerly, no beat) every event rings, and so is processed at once.
STRIPE_EVENT_RING_EVERY_SECONDS = float(
    os.environ.get("STRIPE_EVENT_RING_EVERY_SECONDS", "0.5" if REDIS_URL else "0")
)
# Beat drains stored events this often whatever the bell says: the bound on an event's wait
# for a worker. While a backlog lasts, each tick lets one more idle worker process join.
STRIPE_EVENT_DRAIN_EVERY_SECONDS = float(os.environ.get("STRIPE_EVENT_DRAIN_EVERY_SECONDS", "1"))
CELERY_BEAT_SCHEDULE: dict = {
    "membership-daily": {
        "task": "membership.tasks.run_membership_daily",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 60 * 60 * 12},
    },
    "stripe-events-drain": {
        "task": "billing.tasks.drain_stripe_events",
        "schedule": STRIPE_EVENT_DRAIN_EVERY_SECONDS,
        # A tick that waited longer than the next one is dropped, not run late.
        "options": {"expires": max(STRIPE_EVENT_DRAIN_EVERY_SECONDS, 1)},
    },
    "stripe-events-sweep": {
        "task": "billing.tasks.stripe_events_sweep",
        "schedule": 60,
        "options": {"expires": 55},
    },
    "outbox-sweep": {
        "task": "communications.tasks.sweep_outbox",
        "schedule": 60,
        "options": {"expires": 55},
    },
    "reports-refresh": {
        "task": "reports.tasks.refresh_report_snapshots",
        "schedule": 300,
        "options": {"expires": 290},
    },
    "member-exports-sweep": {
        "task": "billing.tasks.member_exports_sweep_task",
        "schedule": crontab(hour=4, minute=5),
        "options": {"expires": 60 * 60 * 12},
    },
}
# Staff member exports (billing/services/member_exports.py): members per chunk the worker
# reads and stores, how long a running job may go without writing before it counts as
# stopped, and how many days the files (personal data) are kept.
MEMBER_EXPORT_CHUNK_ROWS = int(os.environ.get("MEMBER_EXPORT_CHUNK_ROWS", "5000"))
MEMBER_EXPORT_STALE_SECONDS = int(os.environ.get("MEMBER_EXPORT_STALE_SECONDS", "600"))
MEMBER_EXPORT_KEEP_DAYS = int(os.environ.get("MEMBER_EXPORT_KEEP_DAYS", "2"))
# The dues impact preview (membership/services/dues_preview_runs.py): populations up to this
# many members are computed in the request; larger ones by a worker while the page polls. A
# result is shown again for this many seconds before it is computed afresh.
DUES_PREVIEW_INLINE_MEMBERS = int(os.environ.get("DUES_PREVIEW_INLINE_MEMBERS", "2000"))
DUES_PREVIEW_FRESH_SECONDS = int(os.environ.get("DUES_PREVIEW_FRESH_SECONDS", "900"))
# Report pages serve stored figures (reports/snapshots.py, PostgreSQL only). A snapshot that
# changes have overtaken is still served, saying so, for this long while the sweep above
# computes it again; after that the page computes its figures itself.
REPORTS_SNAPSHOTS = env_bool("REPORTS_SNAPSHOTS", True)
REPORTS_STALE_SECONDS = int(os.environ.get("REPORTS_STALE_SECONDS", "900"))
REPORTS_SNAPSHOT_KEEP_DAYS = int(os.environ.get("REPORTS_SNAPSHOT_KEEP_DAYS", "7"))

# --- Stripe (unset keys switch card payments off) ---
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# Only for tests and local fakes (e.g. localstripe); production talks to Stripe itself.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Network retries repeat a call with the same idempotency key, so Stripe does the work once.
STRIPE_MAX_NETWORK_RETRIES = 2
# How long to wait for Stripe's answer; a call that times out has an unknown outcome.
STRIPE_TIMEOUT_SECONDS = 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Operations: probes, structured logs, error reports, metrics (ops/) ---
INSTALLED_APPS += ["django_structlog", "ops"]
# Request metrics first, so their time includes the other middleware; the request log line
# last, once the user is known.
MIDDLEWARE = [
    "ops.metrics.RequestMetricsMiddleware",
    *MIDDLEWARE,
    "ops.middleware.RequestLogMiddleware",
]
# Load balancers probe over plain HTTP inside the network: no redirect to HTTPS for these.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Logs: one JSON line per request and per task (LOG_FORMAT=console for a readable form).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


def _logging(fmt: str, level: str) -> dict:
    from ops.logs import logging_config

    return logging_config(fmt, level)


LOGGING = _logging(LOG_FORMAT, LOG_LEVEL)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# Client IPs are personal data; the user is logged by id only.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
DJANGO_STRUCTLOG_USER_ID_FIELD = "pk"
# One line per request and per task: the `started` lines only at DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10
DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = 10

# Errors to Sentry, only when SENTRY_DSN is set (web and workers).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "")
SENTRY_TRACES_SAMPLE_RATE = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0"))

# /metrics: a bearer token, or (without one) only these client addresses or networks.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")

# /readyz: beat's heartbeat counts as stale after this long; it fails readiness only when
# READYZ_REQUIRE_BEAT is on (it is always reported).
BEAT_STALE_MINUTES = int(os.environ.get("BEAT_STALE_MINUTES", "5"))
READYZ_REQUIRE_BEAT = env_bool("READYZ_REQUIRE_BEAT", False)
READYZ_TIMEOUT_SECONDS = float(os.environ.get("READYZ_TIMEOUT_SECONDS", "2"))
CELERY_BEAT_SCHEDULE["ops-beat-heartbeat"] = {
    "task": "ops.tasks.beat_heartbeat",
    "schedule": 60,
    "options": {"expires": 55},
}

# --- The lean way through the server (config/lean.py) ---
# Exact paths served by a WSGI application of their own instead of Django's pages: Stripe's
# webhook (billing.webhook_app: signed, CSRF-exempt, no session or user). What it keeps: the
# host check, HTTPS redirect and HSTS, the upload limit (a 413 before the body is read), its
# metrics, the node header and the request log line with its id.
LEAN_PATHS = ["/billing/stripe/webhook/"]
