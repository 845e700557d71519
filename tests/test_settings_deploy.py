"""Production settings, loaded in a fresh process exactly as a server would load them."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "kq3v!x9-production-like-secret-0f7d1e2a9c4b6e8f0a1b2c3d4e5f6a7b8c9d",
    "ALLOWED_HOSTS": "intake.example-clinic.ca",
    "DEBUG": "0",
    "EMAIL_URL": "smtp+tls://intake:secret@smtp.example-clinic.ca:587",
}


def manage(*args, **env) -> subprocess.CompletedProcess:
    # A clean environment: nothing leaks in from the test run (its SECRET_KEY, DEBUG, settings module).
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""),
             "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=clean, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_passes_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_debug_is_on():
    """The check above can fail: with DEBUG on, Django's deploy checks warn."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DEBUG": "1"})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_settings_refuse_to_load_without_a_secret_key_when_debug_is_off():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_refuse_the_console_email_backend_when_debug_is_off():
    unset = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    for environment in (unset, {**PRODUCTION, "EMAIL_URL": "consolemail://"}):
        result = manage("check", **environment)
        assert result.returncode != 0
        assert "EMAIL_URL must name a mail server when DEBUG is off" in result.stderr


def test_development_runs_without_a_secret_key_when_debug_is_on():
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_has_no_default_allowed_hosts():
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS, settings.SECURE_SSL_REDIRECT)"
    result = manage("shell", "-c", code, **{k: v for k, v in PRODUCTION.items() if k != "ALLOWED_HOSTS"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] True"
