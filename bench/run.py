"""The benchmark suite: `python -m bench.run --patients N [--quick]` (make bench / make bench-quick).

Loads N patients into its own database (intake_bench), serves the app and the reference with
gunicorn, drives them with wrk, times the service calls that have no endpoint of their own,
runs the CSV import, and writes bench/results/latest.json and BENCHMARKS.md.
"""

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from bench.load import wrk_path
from bench.setup import ROOT

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "work"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="shorter runs (CI-sized); same scenarios")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--duration", type=float, help="seconds per write run (default 20, quick 5)")
    parser.add_argument("--get-duration", type=float, help="seconds per read run (default 10, quick 3)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per scenario (default 5, quick 2)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; the median is reported")
    parser.add_argument("--connections", default="8,32", help="write scenarios' connection counts")
    parser.add_argument("--get-connections", type=int, default=2, help="read scenarios' connections")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers")
    parser.add_argument("--import-rows", type=int, help="CSV rows imported (default 100,000, quick 10,000)")
    parser.add_argument("--duplicate-samples", type=int, help="duplicate checks timed (default 2,000)")
    parser.add_argument("--database", default="intake_bench")
    parser.add_argument("--reference-database", default="intake_bench_ref")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database if it holds N patients")
    parser.add_argument("--only", default="",
                        help="comma-separated scenario groups (read,replica,service,write,fhir,import,merge)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the Markdown table from --json-out (e.g. after editing bench/findings.md)")
    parser.add_argument("--plans-out", type=Path,
                        help="EXPLAIN ANALYZE of the read queries (default bench/results/plans.txt, "
                             "quick: quick-plans.txt)")
    parser.add_argument("--work-dir", type=Path, default=WORK, help="CSV, path lists, server logs")
    parser.add_argument("--json-out", type=Path,
                        help="default bench/results/latest.json (quick: bench/results/quick.json)")
    parser.add_argument("--markdown-out", type=Path,
                        help="default BENCHMARKS.md (quick: bench/results/quick.md, so the full table stays)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (5 if quick else 20)
    args.get_duration = args.get_duration or (3 if quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (2 if quick else 5)
    args.import_rows = args.import_rows if args.import_rows is not None else (10_000 if quick else 100_000)
    args.duplicate_samples = args.duplicate_samples or (500 if quick else 2_000)
    args.connections = [int(c) for c in args.connections.split(",") if c]
    args.only = {g for g in args.only.split(",") if g}
    args.json_out = args.json_out or RESULTS / ("quick.json" if quick else "latest.json")
    args.plans_out = args.plans_out or RESULTS / ("quick-plans.txt" if quick else "plans.txt")
    args.markdown_out = args.markdown_out or (RESULTS / "quick.md" if quick else ROOT / "BENCHMARKS.md")
    return args


def log(message: str):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv=None):
    args = parse_args(argv)
    if args.report_only:
        from bench.report import markdown
        from bench.suite import FINDINGS

        data = json.loads(Path(args.json_out).read_text())
        Path(args.markdown_out).write_text(markdown(data, FINDINGS.read_text() if FINDINGS.exists() else ""))
        return
    if not wrk_path():
        sys.exit("wrk is not installed (Debian: apt-get install wrk); the load scenarios need it.")
    from bench.suite import Suite

    # A stopped benchmark still stops its servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    started = time.monotonic()
    suite = Suite(args, log=log)
    try:
        suite.run()
    finally:
        suite.stop_servers()
    data = suite.write_report()
    log(f"done in {time.monotonic() - started:.0f} s: {data['summary']['passed']}/{data['summary']['checks']} "
        f"targets met; {args.json_out}")
    print(json.dumps(data["summary"], indent=2))


if __name__ == "__main__":
    main()
