"""`make bench-quick`, reduced (few patients, 1-second runs): it must produce a complete report.

Not a speed test: it checks that every scenario was measured and reported with its figure, its
target and whether it was met, in latest.json and in the Markdown table.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

EXPECTED = {
    "load",
    "api_create_c8_ratio", "api_create_c8_p99", "api_create_c32_ratio",
    "leads_lead_c8_ratio", "leads_lead_c32_ratio", "leads_full_c8_ratio", "leads_full_c32_ratio",
    "duplicate_check_p95",
    "api_search_name_p95", "api_search_phone_p95", "api_search_dob_p95", "api_search_card_p95",
    "frontdesk_search_p95", "frontdesk_patient_p95",
    "admin_unfiltered_p95", "admin_filtered_p95", "admin_searched_p95",
    "import_rows_per_s", "import_peak_rss",
    "worker_rss",
}

# Scenarios of capabilities that land one by one (bench/features.py, bench/replica_reads.py): each is
# measured when present (a standby streaming, the package on main), or listed under "skipped" saying why.
OPTIONAL = {
    "replica": ("replica_",),
    "access log": ("access_log_",),
    "FHIR": ("fhir_",),
    "merging": ("merge_p95",),
}

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def bench_databases():
    names = [f"intake_bench_t{os.getpid()}", f"intake_bench_t{os.getpid()}_ref"]
    yield names
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def wrk():
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian: apt-get install wrk); the benchmark drives its servers with it")


def test_quick_suite_writes_a_complete_report(wrk, bench_databases, tmp_path):
    database, reference = bench_databases
    out = tmp_path / "latest.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--patients", "3000", "--quick", "--duration", "1",
         "--get-duration", "1", "--warmup", "0", "--runs", "1", "--workers", "2", "--import-rows", "300",
         "--duplicate-samples", "50", "--database", database, "--reference-database", reference,
         "--work-dir", str(tmp_path / "work"), "--json-out", str(out), "--markdown-out", str(tmp_path / "B.md"),
         "--plans-out", str(tmp_path / "plans.txt")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    data = json.loads(out.read_text())
    checks = {c["id"]: c for c in data["checks"]}
    assert EXPECTED <= set(checks)
    prefixes = tuple(p for group in OPTIONAL.values() for p in group)
    assert all(c.startswith(prefixes) or c == "worklist_build_s" for c in set(checks) - EXPECTED), set(checks)
    for name, group in OPTIONAL.items():
        measured = [c for c in checks if c.startswith(group)]
        assert measured or data["skipped"].get(name), f"{name}: neither measured nor skipped with a reason"
    for check in checks.values():
        assert check["figure"] and check["target"] and check["unit"], check
        assert isinstance(check["passed"], bool), check
        assert isinstance(check["value"], int | float), f"{check['id']} was not measured: {check['note']}"
    for check_id in ("api_create_c8_ratio", "leads_lead_c8_ratio", "leads_full_c32_ratio"):
        assert "req/s" in checks[check_id]["reference"]  # the reference's own figures, same run
        assert checks[check_id]["details"]["requests"] > 0
    assert data["summary"]["checks"] == len(checks)
    assert data["machine"]["cores"] and data["machine"]["postgresql"] and data["machine"]["date"]
    assert data["settings"]["patients"] == 3000

    table = (tmp_path / "B.md").read_text()
    for check in checks.values():
        assert f"| {check['figure']} |" in table
    assert table.count("✅ pass") + table.count("❌ fail") == len(checks)
    for why in data["skipped"].values():
        assert why in table
    assert (tmp_path / "plans.txt").read_text().count("== ") >= 4
