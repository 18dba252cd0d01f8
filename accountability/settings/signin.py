"""Signing in (django-allauth): throttles, two-factor, single sign-on, password sign-in."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403 - each part reads the settings before it

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
