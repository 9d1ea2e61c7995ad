"""Production: every secret from the environment; refuses to start without DJANGO_SECRET_KEY
or REDIS_URL."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Set it to a long random value, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
    )

# Several web processes and the Celery workers share one broker and one cache: without Redis,
# tasks would run inside the web request and every process would keep its own rate limits and
# its own list of used one-time codes.
REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Production needs Redis for the Celery broker and the shared "
        "cache: set REDIS_URL, e.g. `redis://redis.internal:6379/0` (and REDIS_CACHE_URL to "
        "keep the cache in another database, e.g. `redis://redis.internal:6379/1`)."
    )
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
# allauth keeps its rate limits and the used TOTP codes in the default cache
# (`django.core.cache.cache`): it must be shared by every web process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_CACHE_URL", "") or REDIS_URL,
        "KEY_PREFIX": "icma",
    }
}

# The client's address for allauth's rate limits. The portal runs behind one load balancer that
# appends the client's address to X-Forwarded-For: trust that last entry (1). Set 0 when the
# web nodes are reached directly, or name the header a proxy sets instead (e.g. X-Real-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("ALLAUTH_TRUSTED_PROXY_COUNT", "1"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("ALLAUTH_TRUSTED_CLIENT_IP_HEADER") or None

DEBUG = False
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Off only for a loopback demo served over plain HTTP (scripts/cluster.py).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Files shared by every web node live in the database or a bucket, never on one node's disk.
if CV_STORAGE == "s3" and not os.environ.get("AWS_STORAGE_BUCKET_NAME"):  # noqa: F405
    raise ImproperlyConfigured("CV_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (the bucket for CVs).")

# Persistent database connections (a new one costs ~8 ms per request), checked before reuse so
# a connection the database or a failover closed is replaced instead of failing the request.
# A new mapping, not base's changed in place: a process that reads this module beside the
# settings it runs on (a settings probe in a test) leaves its own connections as they were.
DATABASES = {  # noqa: F405
    **DATABASES,  # noqa: F405
    "default": {
        **DATABASES["default"],  # noqa: F405
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        "CONN_HEALTH_CHECKS": True,
    },
}
