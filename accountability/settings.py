"""Settings for the accountability check-in app.

One file; every knob is read from the environment (django-environ) with a default that gives a
newcomer a working app on SQLite and a console email backend. See README.md for the list.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.smart_cast = False
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
else:
    # Required in production: a missing or empty key must stop the process, not fail later.
    SECRET_KEY = env.str("SECRET_KEY")
    if not SECRET_KEY.strip():
        raise ImproperlyConfigured("SECRET_KEY is empty; set it to a long random value when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base for links in emails, e.g. https://checkins.example.org (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Check-ins")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "accountability",
    "checkins",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accountability.navigation.TimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# While the database cannot be reached pages answer 503 with this Retry-After (seconds).
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=5)

# The cache holds only short-lived things (throttling counters, health probes). Redis in
# production so every web process shares it; process memory when nothing is configured.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accountability.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)
# How long an emailed invitation link stays valid.
INVITATION_MAX_AGE = timedelta(days=env.int("INVITATION_MAX_AGE_DAYS", default=7))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email -------------------------------------------------------------------------------
# Every email goes through the outbox (accountability.outbox); this is only the transport the
# worker hands finished messages to. SMTP when EMAIL_URL is set (smtp://user:pass@host:port,
# smtp+tls://..., smtps://...), otherwise files under .run/emails in development.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Check-ins <checkins@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".run" / "emails"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
# Seconds before the first retry; doubles with each attempt (60, 120, 240, ...).
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
# A row claimed for sending longer ago than this is taken to be from a worker that died.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=100)

# --- Celery ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / ".run" / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    # Delivers whatever is still queued: rows whose enqueue was lost (broker down), retries
    # whose back-off has passed, and rows left behind by a worker that died mid-send.
    "outbox-sweep": {"task": "accountability.tasks.outbox_sweep", "schedule": timedelta(minutes=1)},
    # "Dispatch what is due": each asks the database what has reached its moment and writes
    # outbox rows with dedupe keys, so running one twice or late sends nothing twice.
    "checkin-reminders": {"task": "checkins.tasks.checkin_reminders_dispatch", "schedule": timedelta(minutes=5)},
    # Reply emails, once each 15-minute batch window is over (checkins.services.replies_dispatch).
    "replies": {"task": "checkins.tasks.replies_dispatch", "schedule": timedelta(minutes=1)},
    "commitments-overdue": {
        "task": "accountability.tasks.commitments_overdue_dispatch",
        "schedule": timedelta(minutes=15),
    },
    "surveys": {"task": "feedback.tasks.survey_dispatch", "schedule": timedelta(minutes=5)},
    "manager-digest": {"task": "accountability.tasks.manager_digest_dispatch", "schedule": timedelta(minutes=15)},
    # Managers see anonymous feedback once a day, from 08:00 team time, never the moment it arrives:
    # the release shows the day's feedback all at once and queues its digest.
    "feedback-release": {"task": "feedback.tasks.feedback_release_dispatch", "schedule": timedelta(minutes=15)},
    "outbox-purge": {"task": "accountability.tasks.outbox_purge", "schedule": crontab(hour=3, minute=17)},
}
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=90)

# --- Security ----------------------------------------------------------------------------
# Behind our own reverse proxy (docker-compose, a load balancer): trust its X-Forwarded-Proto
# and X-Forwarded-For. Never set this when clients can reach the app directly.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Logging -----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request lines carry paths and addresses; the anonymous pages must not leave a trail.
        "django.server": {"level": "WARNING"},
        # At DEBUG, missing template variables are logged with the page's context: on the
        # anonymous pages that could include a follow-up code. Never below INFO.
        "django.template": {"level": "INFO"},
    },
}
