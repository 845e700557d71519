"""The WSGI entry point keeps what a worker loads out of the garbage collector's full passes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_freezes_what_it_loaded_to_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    out = subprocess.run(
        [sys.executable, "-c", "import gc, sys, config.wsgi; "
                               "print(gc.get_freeze_count(), 'patients.api.patients' in sys.modules)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()
    frozen, urls_loaded = int(out[0]), out[1]
    assert frozen > 50_000  # the settings, models and URL patterns, not a handful
    assert urls_loaded == "True"  # the URLconf's views loaded before freezing, not by the first request
