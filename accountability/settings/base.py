"""The core: paths, the secret key, hosts, apps, middleware, templates, the database, the
cache, accounts and the data export's storage."""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.smart_cast = False
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
# Keys that were ever written down somewhere public: the development default, the placeholder
# an older docker-compose.yml fell back to, the build-time key of an older Dockerfile, and the
# example in .env.example. A server must never sign sessions or reset links with one of them.
PUBLISHED_SECRET_KEYS = frozenset(
    {
        DEVELOPMENT_SECRET_KEY,
        "insecure-compose-only-key-set-SECRET_KEY-in-.env",
        "collectstatic-build-only",
        "change-me-to-a-long-random-value-of-fifty-characters-or-more",
    }
)
SECRET_KEY_MIN_LENGTH = 50


def secret_key_problem(key: str) -> str | None:
    """Why a key is unfit for a server, or None. Django's own rule (check --deploy's W009), plus
    the keys above: the process refuses to start rather than warn."""
    if not key.strip():
        return "SECRET_KEY is empty"
    if key in PUBLISHED_SECRET_KEYS or key.startswith("django-insecure-"):
        return "SECRET_KEY is a published example"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
        return f"SECRET_KEY is too short (it needs {SECRET_KEY_MIN_LENGTH} characters or more, not all alike)"
    return None


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
else:
    # Required in production: a missing, short or published key stops the process, not later.
    SECRET_KEY = env.str("SECRET_KEY")
    if problem := secret_key_problem(SECRET_KEY):
        raise ImproperlyConfigured(
            f"{problem}. With DEBUG off, set it to a long random value, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
# Old keys that still open what they signed (sessions, links, sealed email bodies) while a new
# key is rolled out.
SECRET_KEY_FALLBACKS = [key for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base for links in emails, e.g. https://checkins.example.org (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Check-ins")

INSTALLED_APPS = [
    # The admin site signs in through the app's own sign-in and asks for a second factor
    # (accountability.security.SecureAdminSite).
    "accountability.apps.SecureAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth's two-factor pages
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, pinned in requirements.txt (no CDN)
    "accountability",
    "checkins",
    "feedback",
    "surveys",
    "meetings",
    "updates",
    "dashboard",
    "integrations",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accountability.security.TwoFactorRequiredMiddleware",
    "accountability.security.PrivatePagesMiddleware",
    "accountability.navigation.TimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Only its process_exception matters (a view that lost the database answers 503); failures
    # in the middleware above reach the same answer through handler500 (accountability/middleware.py).
    "accountability.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "accountability.urls"
WSGI_APPLICATION = "accountability.wsgi.application"

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
                "accountability.context_processors.navigation",
            ],
        },
    },
    {
        # The subject and text part of emails: plain text, so nothing is HTML-escaped there
        # ("O'Brien & Co", not "O&#x27;Brien &amp; Co"). accountability.outbox renders with it.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A persistent connection is checked before its first use in each request, so the first request
# after a database restart reconnects instead of failing on the dead connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that stops answering must fail a request (and /healthz) in seconds, not
    # after the operating system's TCP timeout. DATABASE_URL's ?connect_timeout= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# No request may leave a query running after its client has gone: in web processes (wsgi.py and
# asgi.py set CHECKINS_PROCESS=web) PostgreSQL cancels any statement after this long, and the
# page answers 503 "that took too long". Migrations and other management commands are not
# limited; workers (CHECKINS_PROCESS=worker) only by WORKER_DATABASE_STATEMENT_TIMEOUT_MS.
# 0 turns a limit off.
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
WORKER_DATABASE_STATEMENT_TIMEOUT_MS = env.int("WORKER_DATABASE_STATEMENT_TIMEOUT_MS", default=0)
_statement_timeout = {"web": DATABASE_STATEMENT_TIMEOUT_MS, "worker": WORKER_DATABASE_STATEMENT_TIMEOUT_MS}.get(
    os.environ.get("CHECKINS_PROCESS", ""), 0
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _statement_timeout > 0:
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = f"{_db_options.get('options', '')} -c statement_timeout={_statement_timeout}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# While the database cannot be reached pages answer 503 with this Retry-After (seconds).
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=5)

# The cache holds only short-lived things (sign-in and feedback throttles, health probes).
# Redis in production so every web process shares it: a per-process cache would give each
# gunicorn worker its own count, so an attacker gets (workers x limit) guesses. Process memory
# only in development.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if not DEBUG and CACHES["default"]["BACKEND"] in (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
):
    raise ImproperlyConfigured(
        "CACHE_URL must name a cache shared by every process (e.g. redis://host:6379/1) when DEBUG is off: "
        "the sign-in throttles count there."
    )

AUTH_USER_MODEL = "accountability.User"
# One backend (allauth's, see accountability.backends). Sessions signed in before it are
# signed out once: everyone comes back through the throttled sign-in and the second factor.
AUTHENTICATION_BACKENDS = ["accountability.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)
# How long an emailed invitation link stays valid.
INVITATION_MAX_AGE = timedelta(days=env.int("INVITATION_MAX_AGE_DAYS", default=7))
# "Export my data": ZIPs go to the default storage (files under MEDIA_ROOT unless STORAGES says
# otherwise; never served as static files: only the signed, expiring link hands them out).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".run" / "media")
DATA_EXPORT_LINK_DAYS = env.int("DATA_EXPORT_LINK_DAYS", default=7)
