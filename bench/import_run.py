"""The import scenario: write a CSV of new, valid, non-duplicate patients and time `import_patients` on it."""

import csv
import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from bench.cards import ontario_number
from bench.names_pool import FAMILY, GIVEN_FEMALE, GIVEN_MALE
from bench.setup import PYTHON, ROOT

COLUMNS = [
    "given_name", "family_name", "preferred_name", "gender", "date_of_birth", "email", "phone", "province",
    "health_card_number", "health_card_province", "health_card_version_code", "health_card_expiry_date",
    "accepts_marketing", "has_insurance", "providers", "groups", "status",
]
# Area codes the generator never hands out, so an imported phone is never a loaded patient's.
IMPORT_AREA_CODES = (742, 753, 683)
DAYS_PER_RUN = 1_200  # within a run, (family name, birth date) never repeats: 55,225 x 775 mod 1,200 != 0


def write_csv(path: Path, rows: int, nonce: int):
    """Rows that pass every rule and match nobody, also in a database that earlier runs imported into
    (up to 20 runs): compound family names born in a window of dates kept for this run, phones in area
    codes the loaded data does not use (a block of exchanges per run), Ontario cards from a range kept
    for the import (starting with 0), emails with the run's number."""
    pairs = len(FAMILY) ** 2
    run = nonce % 20
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for i in range(rows):
            female = i % 2 == 0
            pool = GIVEN_FEMALE if female else GIVEN_MALE
            combo = i % pairs
            family = f"{FAMILY[combo // len(FAMILY)]}-{FAMILY[combo % len(FAMILY)]}"
            born = date(1940, 1, 1) + timedelta(days=run * DAYS_PER_RUN + (i * 7_919) % DAYS_PER_RUN)
            code = IMPORT_AREA_CODES[run % len(IMPORT_AREA_CODES)]
            phone = f"+1{code}{200 + (run * 40 + i // 10_000) % 800}{i % 10_000:04d}"
            card = ontario_number((nonce % 80) * 10**6 + i % 10**6)
            out.writerow([
                pool[i % len(pool)], family, "", "female" if female else "male", born.isoformat(),
                f"imp{nonce}.{i}@bench.example", phone, "ON", card, "ON", "AB", "2029-06-30",
                "yes" if i % 3 == 0 else "no", "no", "Dr. Provider 01" if i % 4 == 0 else "",
                "Prenatal" if i % 10 == 0 else "", "active",
            ])


def command_exists() -> bool:
    from django.core.management import get_commands

    return "import_patients" in get_commands()


def run_import(env: dict, organization_slug: str, rows: int, work: Path, *, nonce: int) -> dict:
    if not command_exists():
        return {"problem": "not measurable: `manage.py import_patients` does not exist yet"}
    path = work / "import.csv"
    write_csv(path, rows, nonce)
    log_path = work / "import.log"
    with log_path.open("w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [PYTHON, "manage.py", "import_patients", "--organization", organization_slug, str(path)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        # wait4 gives this child's own resource usage: its peak resident memory.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
    result = {
        "rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit_code": process.returncode,
        "csv_mb": round(path.stat().st_size / 1e6, 1),
    }
    if process.returncode != 0:
        tail = log_path.read_text(errors="replace")[-600:]
        result.update(rows_per_s=None, problem=f"import_patients exited with {process.returncode}: {tail}")
    return result
