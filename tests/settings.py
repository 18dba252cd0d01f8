"""Settings for the test suite: real PostgreSQL and Redis, never SQLite.

TEST_DATABASE_URL and TEST_REDIS_URL override the defaults below. Tests use their own Redis
database numbers so a development worker on db 0 can never take their tasks.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789")

from accountability.settings import *  # noqa: E402,F403
from accountability.settings import env  # noqa: E402

DATABASES = {"default": env.db_url("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/accountability")}
DATABASES["default"]["TEST"] = {"NAME": "test_accountability"}

TEST_REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = TEST_REDIS_URL
REDIS_URL = TEST_REDIS_URL
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TEST_REDIS_URL.rsplit("/", 1)[0] + "/14",
        "KEY_PREFIX": "tests",
    }
}

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SITE_URL = "http://testserver"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
OUTBOX_RETRY_BASE_SECONDS = 60
