"""Search throughput with and without the read replica (config/replica.py).

The same API searches are sent, interleaved, to two app servers: one with only the primary, one
with `REPLICA_DATABASE_URL` set to the local hot standby (`make replica`, 127.0.0.1:5433). Skipped,
saying so, when no standby streams there.
"""

import os
import time

import psycopg

from bench.load import Measured, run_wrk
from bench.report import Check

STANDBY = os.environ.get("BENCH_REPLICA_PG", "postgres://postgres@127.0.0.1:5433")
TARGET_RATIO = 0.9  # one machine: the replica adds no cores, so the routing must cost (almost) nothing


def standby_url(database: str) -> str:
    return f"{STANDBY}/{database}"


def standby_problem(primary_dsn: str, database: str, *, wait_seconds: float, log) -> str:
    """'' once the standby has replayed everything the primary has committed, else why not."""
    try:
        with psycopg.connect(standby_url("postgres"), connect_timeout=3, autocommit=True) as conn:
            if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                return f"{STANDBY} is not a standby (pg_is_in_recovery() is false)"
    except psycopg.Error as exc:
        return f"no streaming standby at {STANDBY} (run `make replica`): {str(exc).strip().splitlines()[0]}"
    with psycopg.connect(primary_dsn, autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + wait_seconds
    log(f"replica: waiting for the standby to replay up to {target}")
    while True:
        try:
            with psycopg.connect(standby_url(database), connect_timeout=3, autocommit=True) as conn:
                if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
                    return ""
        except psycopg.OperationalError:
            pass  # the database itself is not replayed yet
        if time.monotonic() > deadline:
            return f"the standby did not replay the loaded data within {wait_seconds:.0f} s"
        time.sleep(2)


def measure(suite, definitions, *, replica_server, primary_server) -> list[Check]:
    """Interleaved runs of each search on both servers; one check per search: replica ÷ primary req/s."""
    a = suite.args
    checks = []
    method = (f"wrk at {a.get_connections} connections, {a.get_duration:g} s per run, {a.runs} runs per server "
              "interleaved, median req/s; the same paths as the search figures; ratio = req/s with "
              "REPLICA_DATABASE_URL (searches read from the local hot standby, 127.0.0.1:5433) ÷ req/s "
              "with the primary only, same machine")
    for check_id, scenario, what, paths, headers, _ in definitions:
        path_file = suite.work / f"paths-{check_id}.txt"
        path_file.write_text("\n".join(paths) + "\n")
        measured = {"primary": Measured(), "replica": Measured()}
        servers = {"primary": primary_server, "replica": replica_server}
        if a.warmup:
            run_wrk(replica_server.url, "get.lua", connections=a.get_connections, seconds=a.warmup,
                    args=[path_file], headers=headers)
        for _ in range(a.runs):
            for name, server in servers.items():
                measured[name].runs.append(run_wrk(server.url, "get.lua", connections=a.get_connections,
                                                   seconds=a.get_duration, args=[path_file], headers=headers))
        primary, replica = measured["primary"], measured["replica"]
        suite.log(f"replica {check_id}: {replica.rps:.0f} req/s (p95 {replica.latency('p95')} ms) with the "
                  f"replica, {primary.rps:.0f} req/s (p95 {primary.latency('p95')} ms) without")
        checks.append(Check(
            id=f"replica_{check_id}_rps", scenario="Reads on the replica",
            figure=f"{scenario}, {what}: throughput with the replica ({replica.rps:,.0f} req/s, "
                   f"p95 {replica.latency('p95')} ms) ÷ without ({primary.rps:,.0f} req/s, "
                   f"p95 {primary.latency('p95')} ms)",
            value=round(replica.rps / primary.rps, 2) if primary.rps else None, unit="× primary only",
            target=f"≥ {TARGET_RATIO} × primary only", op=">=", threshold=TARGET_RATIO, method=method,
            details={"replica": {**replica.summary()}, "primary": primary.summary(),
                     "errors": replica.errors + primary.errors,
                     "requests": replica.requests + primary.requests},
        ))
    return checks
