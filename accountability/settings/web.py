"""Security headers and cookies, the Content-Security-Policy, the REST API and logging."""

from urllib.parse import urlsplit

from .delivery import *  # noqa: F403 - each part reads the settings before it

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
