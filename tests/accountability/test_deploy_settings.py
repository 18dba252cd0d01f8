"""Production settings: `check --deploy` is clean, and a missing, short or published SECRET_KEY,
or a cache private to one process, stops the process. docker-compose.yml has no fallback key
and takes every security setting from the environment with production-safe defaults.

Each test runs manage.py in a fresh process with only the environment given here, so nothing
from the test settings (or the developer's shell) leaks in.
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from accountability.settings import DEVELOPMENT_SECRET_KEY, PUBLISHED_SECRET_KEYS

BASE_DIR = Path(__file__).resolve().parents[2]
# Without quotes, dollars or spaces: the key may pass through shells and .env files.
KEY_ALPHABET = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"


def _production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "accountability.settings",
        "DEBUG": "false",
        "SECRET_KEY": "".join(secrets.choice(KEY_ALPHABET) for _ in range(60)),
        "ALLOWED_HOSTS": "checkins.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Never contacted by `check`; production needs a cache every process shares.
        "CACHE_URL": "redis://127.0.0.1:6379/1",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _dotenv_sets(name: str) -> bool:
    dotenv = BASE_DIR / ".env"
    return dotenv.exists() and any(
        line.strip().startswith(f"{name}=") for line in dotenv.read_text(encoding="utf-8").splitlines()
    )


def test_check_deploy_is_clean_with_production_like_settings(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS:" not in output
    assert "ERRORS:" not in output


def test_check_deploy_notices_a_weakened_setting(tmp_path):
    """The harness above can fail: switching HSTS off must be reported."""
    result = _manage(_production_env(tmp_path, SECURE_HSTS_SECONDS="0"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_settings_without_a_secret_key_refuse_to_load(tmp_path):
    if _dotenv_sets("SECRET_KEY"):
        pytest.skip(".env sets SECRET_KEY, so it cannot be missing here")
    result = _manage(_production_env(tmp_path, SECRET_KEY=None), "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_needs_no_secret_key(tmp_path):
    """The embedded default: a newcomer runs the app with DEBUG on and no configuration."""
    if _dotenv_sets("SECRET_KEY"):
        pytest.skip(".env sets SECRET_KEY")
    result = _manage(_production_env(tmp_path, SECRET_KEY=None, DEBUG="true", ALLOWED_HOSTS=None), "check")
    assert result.returncode == 0, result.stderr


def test_settings_with_an_empty_secret_key_refuse_to_load(tmp_path):
    result = _manage(_production_env(tmp_path, SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("short-but-random-Zx81!", "too short"),
        ("a" * 80, "too short"),  # long, but one character
        ("django-insecure-" + "k" * 40 + "0123456789", "published example"),
        *[(key, "published example") for key in sorted(PUBLISHED_SECRET_KEYS)],
    ],
)
def test_settings_refuse_a_weak_or_published_secret_key(tmp_path, key, why):
    result = _manage(_production_env(tmp_path, SECRET_KEY=key), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert why in result.stderr


def test_the_compose_placeholder_and_the_development_key_are_refused(tmp_path):
    for key in ("insecure-compose-only-key-set-SECRET_KEY-in-.env", DEVELOPMENT_SECRET_KEY):
        assert key in PUBLISHED_SECRET_KEYS
        assert _manage(_production_env(tmp_path, SECRET_KEY=key), "check").returncode != 0


@pytest.mark.parametrize("cache_url", [None, "locmemcache://", "dummycache://"])
def test_settings_refuse_a_per_process_cache_without_debug(tmp_path, cache_url):
    """Sign-in throttles count in the cache: each gunicorn worker with its own would multiply
    the guesses an attacker gets."""
    if cache_url is None and _dotenv_sets("CACHE_URL"):
        pytest.skip(".env sets CACHE_URL")
    result = _manage(_production_env(tmp_path, CACHE_URL=cache_url), "check")
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def test_development_runs_on_process_memory_and_the_built_in_key(tmp_path):
    """`make run` (scripts/run-dev.sh: DEBUG on, no CACHE_URL, no SECRET_KEY) keeps working."""
    if _dotenv_sets("SECRET_KEY") or _dotenv_sets("CACHE_URL"):
        pytest.skip(".env sets SECRET_KEY or CACHE_URL")
    env = _production_env(tmp_path, SECRET_KEY=None, CACHE_URL=None, DEBUG="true", ALLOWED_HOSTS=None)
    result = _manage(env, "check")
    assert result.returncode == 0, result.stderr


def test_password_sign_in_off_needs_single_sign_on(tmp_path):
    result = _manage(_production_env(tmp_path, PASSWORD_SIGN_IN="false"), "check")
    assert result.returncode != 0
    assert "OIDC_SERVER_URL" in result.stderr
    configured = _production_env(
        tmp_path,
        PASSWORD_SIGN_IN="false",
        OIDC_SERVER_URL="https://idp.example.org",
        OIDC_CLIENT_ID="checkins",
        OIDC_CLIENT_SECRET="s3cret",
    )
    assert _manage(configured, "check").returncode == 0


def test_single_sign_on_is_configured_from_the_environment(tmp_path):
    env = _production_env(
        tmp_path,
        OIDC_SERVER_URL="https://login.example.org/tenant-1/v2.0/",
        OIDC_CLIENT_ID="checkins",
        OIDC_CLIENT_SECRET="s3cret",
        OIDC_PROVIDER_NAME="Example Entra",
        SSO_ALLOWED_DOMAINS="Example.org, @staff.example.org",
    )
    code = (
        "from django.conf import settings as s; "
        "app = s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]; "
        "print(app['settings']['server_url'], app['client_id'], app['name']); "
        "print(s.SSO_ALLOWED_DOMAINS); "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    result = _manage(env, "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "https://login.example.org/tenant-1/v2.0 checkins Example Entra"
    assert lines[1] == "['example.org', 'staff.example.org']"
    # The SSO button posts here and is sent on to the provider: the policy allows that origin.
    assert lines[2] == "[\"'self'\", 'https://login.example.org']"


# --- docker-compose.yml -------------------------------------------------------------------------

COMPOSE = BASE_DIR / "docker-compose.yml"
APP_SERVICES = ["web", "worker", "beat"]
# Settings that must come from .env with no fallback in the compose file: the stack refuses to
# start without them.
REQUIRED = {"SECRET_KEY"}
# Settings that come from .env; when unset, the compose file's default is production-safe.
SAFE_DEFAULTS = {
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_HSTS_SECONDS": "31536000",
}
FROM_ENV = {"SITE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "BEHIND_PROXY"}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _app_environment(service: str) -> dict[str, str]:
    environment = _compose()["services"][service]["environment"]
    assert isinstance(environment, dict), f"{service}: environment as a mapping"
    return {key: str(value) for key, value in environment.items()}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_requires_a_secret_key_without_a_fallback(service):
    value = _app_environment(service)["SECRET_KEY"]
    # ${SECRET_KEY:?message}: compose refuses to start when it is unset or empty.
    assert value.startswith("${SECRET_KEY:?"), value
    assert value.endswith("}")
    assert ":-" not in value and "-}" not in value


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_takes_security_settings_from_the_environment_with_safe_defaults(service):
    environment = _app_environment(service)
    assert environment["DEBUG"] == "false"
    for name, default in SAFE_DEFAULTS.items():
        assert environment[name] == f"${{{name}:-{default}}}", (name, environment[name])
    for name in FROM_ENV:
        assert environment[name].startswith(f"${{{name}"), (name, environment[name])
    for name in REQUIRED:
        assert environment[name].startswith(f"${{{name}:?")


def test_compose_sets_no_literal_secret():
    """No key, password or token is written in the file itself: each is a ${VARIABLE}."""
    for service in APP_SERVICES:
        for name, value in _app_environment(service).items():
            if any(word in name for word in ("SECRET", "PASSWORD", "TOKEN")):
                assert value.startswith("${"), (service, name, value)
