"""Drive a server with wrk and read back the figures printed by the Lua done() hook."""

import json
import shutil
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass
class WrkRun:
    requests: int
    seconds: float
    errors: int
    latency_ms: dict  # mean, p50, p90, p95, p99, max

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Measured:
    """The median of several wrk runs of one scenario."""

    runs: list[WrkRun] = field(default_factory=list)

    def median(self, pick) -> float:
        return round(statistics.median(pick(r) for r in self.runs), 2) if self.runs else 0.0

    @property
    def rps(self) -> float:
        return self.median(lambda r: r.rps)

    def latency(self, name: str) -> float:
        return self.median(lambda r: r.latency_ms[name])

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    def summary(self) -> dict:
        return {
            "rps": self.rps,
            "latency_ms": {k: self.latency(k) for k in ("p50", "p90", "p95", "p99", "max")},
            "requests": self.requests,
            "errors": self.errors,
            "runs_rps": [round(r.rps, 1) for r in self.runs],
        }


def run_wrk(url: str, script: str, *, connections: int, seconds: float, args=(), headers=None,
            threads: int | None = None) -> WrkRun:
    threads = threads or max(1, min(2, connections))
    command = [wrk_path() or "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(LUA / script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += [url, "--", *[str(a) for a in args]]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    lat = {k: round(v / 1000, 2) for k, v in data["latency_us"].items()}
    return WrkRun(
        requests=data["requests"], seconds=data["duration_us"] / 1e6, errors=sum(data["errors"].values()),
        latency_ms=lat,
    )
