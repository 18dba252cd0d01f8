"""Settings for the accountability check-in app.

One file; every knob is read from the environment (django-environ) with a default that gives a
newcomer a working app on SQLite and a console email backend. See README.md for the list.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

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

# --- Sign-in (django-allauth): throttles, two-factor, single sign-on -----------------------
# Email and password, no public sign-up (people join by invitation), no email management of
# allauth's own: the address an invitation was sent to is the account's.
ACCOUNT_ADAPTER = "accountability.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accountability.adapters.SingleSignOnAdapter"
ACCOUNT_FORMS = {
    "login": "accountability.forms.SignInForm",
    "reset_password": "accountability.forms.PasswordResetRequestForm",
    "reset_password_from_key": "accountability.forms.PasswordResetKeyForm",
    "change_password": "accountability.forms.PasswordChangeForm",
    "set_password": "accountability.forms.PasswordSetForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# After a reset, sign in again: the throttles and the second factor apply to that sign-in.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https:") else "http"
# Throttles, counted in the shared cache (Redis): "amount/period/per", per = ip (the client's
# address, see BEHIND_PROXY), key (the account's email) or user (the signed-in sender).
# Failed sign-ins: an address or an account that fails too often waits until the oldest failure
# in the window has aged out; a successful password reset lifts the account's lock at once.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="30/15m/ip,10/15m/key"),
    "login": env.str("RATE_LIMIT_LOGIN", default="60/m/ip"),
    "reset_password": env.str("RATE_LIMIT_PASSWORD_RESET", default="20/h/ip,5/h/key"),
    "reset_password_from_key": env.str("RATE_LIMIT_PASSWORD_RESET_FROM_KEY", default="20/h/ip"),
    "change_password": "5/m/user",
    "reauthenticate": "10/15m/user",
    # Invitations (and the emails they send): per sender a day, and per invited address a day,
    # so inviting, withdrawing and inviting again cannot flood someone's inbox.
    "invite": env.str("RATE_LIMIT_INVITATIONS", default="50/d/user,3/d/key"),
}

# Two-factor: TOTP apps with recovery codes, and security keys / passkeys (WebAuthn).
# Required for organisation admins and the Django admin; for managers too when
# MFA_REQUIRED_FOR_MANAGERS is on; optional for everyone else.
MFA_ADAPTER = "accountability.adapters.TwoFactorAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = SITE_NAME
# Accept the code of the 30-second step before or after: phone clocks drift, and a code typed
# as the step turns over is still the right one.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_RATE_LIMITS = {"totp_activate": "10/15m/user"}
MFA_REQUIRED_FOR_MANAGERS = env.bool("MFA_REQUIRED_FOR_MANAGERS", default=False)

# Single sign-on with OpenID Connect (Google Workspace, Microsoft Entra ID, Okta, Keycloak...):
# set OIDC_SERVER_URL (the issuer; its /.well-known/openid-configuration is read), the client
# id and secret, and register <SITE_URL>/accounts/oidc/sso/login/callback/ at the provider.
# Accounts are created on first sign-in only for invited addresses or SSO_ALLOWED_DOMAINS.
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="").rstrip("/")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your organisation's account")
SSO_ALLOWED_DOMAINS = [d.strip().lower().lstrip("@") for d in env.list("SSO_ALLOWED_DOMAINS", default=[]) if d.strip()]
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "sso",
                    "name": OIDC_PROVIDER_NAME,
                    "client_id": env.str("OIDC_CLIENT_ID", default=""),
                    "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                    "settings": {
                        "server_url": OIDC_SERVER_URL,
                        # The organisation's own provider vouches for its addresses, so a
                        # first SSO sign-in may join the account with the same email.
                        "verified_email": True,
                        "token_auth_method": env.str("OIDC_TOKEN_AUTH_METHOD", default="client_secret_basic"),
                    },
                }
            ]
            if OIDC_SERVER_URL
            else []
        ),
    }
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_STORE_TOKENS = False
# Off: everyone signs in through the organisation's provider; passwords are neither accepted,
# reset nor changed (accountability.forms). Not allauth's SOCIALACCOUNT_ONLY, which cannot be
# combined with its two-factor app.
PASSWORD_SIGN_IN = env.bool("PASSWORD_SIGN_IN", default=True)
if not PASSWORD_SIGN_IN and not OIDC_SERVER_URL:
    raise ImproperlyConfigured("PASSWORD_SIGN_IN=false needs single sign-on: set OIDC_SERVER_URL and its client.")

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
# Rows a worker claims at once: each claim is a query and a commit, and a batch must be sent
# well within the lease even by a slow SMTP server.
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=200)
# Delivered rows are marked `sent` together, this often (and when a batch ends): should a worker
# die in between, what it sent since the last mark goes again, with the same Message-ID.
OUTBOX_MARK_SECONDS = env.float("OUTBOX_MARK_SECONDS", default=0.1)

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
# Beat's jobs are registered by the apps that own them (accountability/registry.py).
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=90)

# --- Webhooks and chat channels (integrations/outbound.py) ----------------------------------
# Hosts a webhook may reach although they resolve to a private or loopback address, and over
# plain http: an internal service the admin vouches for (the tests' loopback receiver).
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# At most this much of a receiver's answer is read (its status is what counts).
WEBHOOK_MAX_RESPONSE_BYTES = env.int("WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024)

# --- Security ----------------------------------------------------------------------------
# Behind our own reverse proxy (docker-compose, a load balancer): trust its X-Forwarded-Proto
# and X-Forwarded-For. Never set this when clients can reach the app directly.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# The sign-in throttles count per client address: REMOTE_ADDR, or behind our proxies the
# X-Forwarded-For entry the nearest of TRUSTED_PROXY_COUNT proxies appended (never one the
# client wrote itself).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1) if BEHIND_PROXY else 0
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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only;
# no inline script or style anywhere (pages load static/js and static/css files), no framing.
# Data URIs for images: the favicon and Bootstrap's icons in its stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # The SSO button posts here and is sent on to the organisation's provider.
        "form-action": ["'self'", *([_origin(OIDC_SERVER_URL)] if OIDC_SERVER_URL else [])],
    },
}

# --- REST API (api/) ------------------------------------------------------------------------
# Token only (Authorization: Bearer), JSON only; every refusal as {"detail", "errors"}.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# Requests per token (counted in the shared cache): "N/second|minute|hour|day".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": (
        "Your check-ins, commitments, teams, dashboards and survey results, exactly as the app shows them to you. "
        "Make a personal access token on your profile page and send it as `Authorization: Bearer <token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
}

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
