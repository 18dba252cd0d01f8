"""Settings for the test suite: real PostgreSQL and Redis, never SQLite.

TEST_DATABASE_URL and TEST_REDIS_URL override the defaults below. Tests use their own Redis
database numbers so a development worker on db 0 can never take their tasks.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789")
# Production settings refuse a per-process cache with DEBUG off; the real one is set below.
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")

from accountability.settings import *  # noqa: E402,F403
from accountability.settings import env  # noqa: E402

from . import clock  # noqa: E402

# A worker or server a test started under TEST_CLOCK_AT keeps the test's clock (tests/clock.py).
clock.follow_parent()

DATABASES = {"default": env.db_url("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/accountability")}
# Derived from the URL's database name, so runs pointed at different databases never collide.
DATABASES["default"]["TEST"] = {"NAME": "test_" + DATABASES["default"]["NAME"]}

TEST_REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = TEST_REDIS_URL
REDIS_URL = TEST_REDIS_URL
# The cache uses the database just below the broker's (15 -> 14 by default), so runs given
# different TEST_REDIS_URLs share neither. Below, not above: 15 + 1 would wrap round to db 0,
# the development broker. TEST_CACHE_URL names one outright.
_redis_server, _broker_db = TEST_REDIS_URL.rsplit("/", 1)
TEST_CACHE_URL = env.str("TEST_CACHE_URL", default=f"{_redis_server}/{(int(_broker_db or 0) - 1) % 16}")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TEST_CACHE_URL,
        "KEY_PREFIX": "tests",
    }
}

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SITE_URL = "http://testserver"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# A worker a test starts as a subprocess is pointed at that test's SMTP server with this.
if env.str("TEST_EMAIL_URL", default=""):
    vars().update(env.email("TEST_EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
OUTBOX_RETRY_BASE_SECONDS = 60
import tempfile  # noqa: E402

# "Export my data" ZIPs of the tests go to a directory of their own, never the working tree.
MEDIA_ROOT = tempfile.mkdtemp(prefix="checkins-test-media-")
