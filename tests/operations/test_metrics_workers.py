"""Several gunicorn workers, one scrape: with PROMETHEUS_MULTIPROC_DIR every process writes its samples
there and whichever worker answers the scrape reports the sum (real separate processes here)."""

import os
import runpy
import subprocess
import sys

from django.conf import settings

COUNT_ONE = (
    "import django; django.setup()\n"
    "from patients import metrics\n"
    "metrics.registered('api', lead=False)\n"
)
SCRAPE = (
    "import django; django.setup()\n"
    "from prometheus_client import generate_latest\n"
    "from operations.metrics import registry\n"
    "print(generate_latest(registry()).decode())\n"
)


def run(code, directory) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout


def test_a_scrape_adds_up_every_workers_counts(tmp_path):
    run(COUNT_ONE, tmp_path)
    run(COUNT_ONE, tmp_path)

    scraped = run(SCRAPE, tmp_path)

    assert 'intake_registrations_total{door="api",kind="patient"} 2.0' in scraped


def test_gunicorn_starts_with_an_empty_directory(tmp_path, monkeypatch):
    (tmp_path / "counter_1234.db").write_bytes(b"stale samples of a previous run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    hooks = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))

    hooks["on_starting"](server=None)

    assert list(tmp_path.iterdir()) == []
