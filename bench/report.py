"""The benchmark's results: one row per figure with its target, written as JSON and as a Markdown table."""

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Check:
    id: str
    scenario: str
    figure: str  # what is measured, in words
    value: float | None
    unit: str
    target: str  # in words, e.g. "≥ 0.6 × reference"
    op: str  # ">=" or "<="
    threshold: float
    passed: bool = False
    reference: str = ""  # the reference's figures measured in the same run, in words
    method: str = ""  # how it was measured
    note: str = ""
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        self.evaluate()

    def evaluate(self):
        if self.value is None:
            self.passed = False
        elif self.op == ">=":
            self.passed = self.value >= self.threshold
        else:
            self.passed = self.value <= self.threshold
        errors, requests = self.details.get("errors", 0), self.details.get("requests", 0)
        if requests and errors / requests > 0.01:
            self.passed = False
            self.note = (self.note + " " if self.note else "") + f"{errors} of {requests} requests failed."


def machine(dsn: str) -> dict:
    import psycopg

    with psycopg.connect(dsn) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        shared_buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cores": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg, "shared_buffers": shared_buffers, "python": platform.python_version(),
        "wrk": (wrk[0].split(" [")[0] if wrk else ""), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def fmt(value, unit) -> str:
    if value is None:
        return "—"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "× reference":
        return f"{value:.2f} ×"
    return f"{value:,.2f} {unit}" if isinstance(value, float) and value < 100 else f"{value:,.0f} {unit}"


def write_json(path: Path, payload: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    tmp.replace(path)


def payload(checks: list[Check], *, settings: dict, machine_info: dict, extra: dict) -> dict:
    return {
        "machine": machine_info,
        "settings": settings,
        "summary": {"checks": len(checks), "passed": sum(c.passed for c in checks),
                    "failed": [c.id for c in checks if not c.passed]},
        "checks": [asdict(c) for c in checks],
        **extra,
    }


def markdown(data: dict, notes: str = "") -> str:
    m, s = data["machine"], data["settings"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`python -m bench.run`); the raw figures are in `bench/results/latest.json`.",
        "Throughput is reported as a ratio of the reference (a bare Django + DRF create endpoint, no auth, no",
        "rules; `bench/reference/`) measured in the same run: the machine is shared and noisy, ratios are what count.",
        "",
        f"- **Date**: {m['date']}",
        f"- **Machine**: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB memory, load average at the end "
        f"{', '.join(str(x) for x in m['load_average'])}",
        f"- **PostgreSQL** {m['postgresql']} (shared_buffers {m['shared_buffers']}), Python {m['python']}, "
        f"{m['wrk']}",
        f"- **Data**: {s['patients']:,} patients over {s['organizations']} organizations "
        f"({s['largest_organization']:,} in the largest), seed {s['seed']}",
        f"- **Load**: gunicorn, {s['workers']} sync workers, production settings; wrk {s['duration_s']} s per run "
        f"(reads: {s['get_duration_s']} s at {s['get_connections']} connections), {s['runs']} runs, medians; "
        f"warm-up {s['warmup_s']} s" + (" — **quick mode**" if s.get("quick") else ""),
        "",
        "| figure | measured | target | pass | reference (same run) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in data["checks"]:
        mark = "✅ pass" if c["passed"] else "❌ fail"
        lines.append(f"| {c['figure']} | {fmt(c['value'], c['unit'])} | {c['target']} | {mark} | "
                     f"{c['reference'] or '—'} |")
    if data.get("skipped"):
        lines += ["", "Not measured in this run: " + "; ".join(f"{name} ({why})"
                                                           for name, why in data["skipped"].items()) + "."]
    lines += ["", "## How each figure is measured", ""]
    seen = set()
    for c in data["checks"]:
        if c["method"] and c["scenario"] not in seen:
            seen.add(c["scenario"])
            lines.append(f"- **{c['scenario']}**: {c['method']}")
    failing = [c for c in data["checks"] if c["note"]]
    if failing:
        lines += ["", "## Notes", ""]
        lines += [f"- **{c['figure']}**: {c['note']}" for c in failing]
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"
