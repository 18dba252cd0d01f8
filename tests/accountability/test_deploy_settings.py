"""Production settings: `check --deploy` is clean, and a missing SECRET_KEY stops the process.

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
