"""Scenarios for capabilities that land one by one: each is skipped, saying so, while its package is
not in the code being measured.

- access log (`patients/access_log/`): the read figures of this run against the same figures of the
  previous run (the "before", read from the JSON this run replaces), ≤ 5 % slower;
- FHIR (`patients/fhir/`): create throughput and search p95 on `/fhir/R4/Patient` next to v1's, in
  the same run, interleaved, within 10 %;
- merging (`patients/merging/`): `merge_patients` p95 in-process (≤ 100 ms) and the
  `build_duplicates_worklist` command's wall time (≤ 10 min at 1M).
"""

import importlib.util
import json
import os
import random
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import queries
from bench.load import Measured, run_wrk
from bench.report import Check
from bench.setup import PYTHON, ROOT

ACCESS_LOG_SLOWER_AT_MOST = 1.05
FHIR_WITHIN = 0.10
FHIR_SEARCHES = {  # kind: (v1 queries, FHIR parameter)
    "name": (queries.name_queries, "name"),
    "dob": (queries.birth_date_queries, "birthdate"),
    "phone": (queries.phone_queries, "phone"),
}


def on_main(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def skip(suite, name: str, why: str):
    suite.log(f"{name}: skipped: {why}")
    suite.extra["skipped"][name] = why


def previous_figures(path: Path) -> dict | None:
    """The run this one replaces: its settings and its figures by check id (None without one)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return {"settings": data.get("settings", {}), "date": data.get("machine", {}).get("date", "?"),
            "checks": {c["id"]: c for c in data.get("checks", [])}}


# -- access log -------------------------------------------------------------------------------------
def access_log_checks(suite, before: dict | None):
    if not on_main("patients.access_log"):
        return skip(suite, "access log", "patients/access_log/ is not on main yet")
    if before is None or before["settings"].get("patients") != suite.args.patients:
        return skip(suite, "access log", f"no earlier run at {suite.args.patients:,} patients to compare with")
    now = {c.id: c for c in suite.checks}
    method = (f"this run's p95 ÷ the same figure of the run of {before['date']} (access log not yet on main; "
              "bench/results/latest.json before this run), same scenario and paths; the machine is shared, "
              "so some of the difference is noise")
    for check_id, previous in before["checks"].items():
        current = now.get(check_id)
        if (not check_id.endswith("_p95") or current is None or current.value is None
                or not previous.get("value") or current.scenario == "Duplicate check"):
            continue
        suite.checks.append(Check(
            id=f"access_log_{check_id}", scenario="Reads with the access log",
            figure=f"{current.figure.removesuffix(': p95 latency')}: p95 with the access log "
                   f"({current.value} ms) ÷ before ({previous['value']} ms)",
            value=round(current.value / previous["value"], 2), unit="× before",
            target=f"≤ {ACCESS_LOG_SLOWER_AT_MOST} × before", op="<=", threshold=ACCESS_LOG_SLOWER_AT_MOST,
            method=method, details={"now_ms": current.value, "before_ms": previous["value"]},
        ))


# -- FHIR ---------------------------------------------------------------------------------------------
def fhir_scenarios(suite):
    if not on_main("patients.fhir"):
        return skip(suite, "FHIR", "patients/fhir/ is not on main yet")
    a, app = suite.args, suite.servers["app"]
    method = (f"wrk at {a.get_connections} connections, {a.get_duration:g} s per run, {a.runs} runs, v1 and FHIR "
              "interleaved, median p95; the same questions asked both ways (bench/queries.py)")
    for kind, (make, parameter) in FHIR_SEARCHES.items():
        asked = make(suite.samples)
        paths = {"v1": queries.api_search_paths(asked),
                 "fhir": [f"/fhir/R4/Patient?{urlencode({parameter: q})}" for q in asked]}
        measured = {"v1": Measured(), "fhir": Measured()}
        problem = suite.probe_paths(paths["fhir"][:3])
        if not problem:
            files = {}
            for name, listed in paths.items():
                files[name] = suite.work / f"paths-fhir-compare-{kind}-{name}.txt"
                files[name].write_text("\n".join(listed) + "\n")
            for _ in range(a.runs):
                for name in ("v1", "fhir"):
                    measured[name].runs.append(run_wrk(app.url, "get.lua", connections=a.get_connections,
                                                       seconds=a.get_duration, args=[files[name]],
                                                       headers=suite.auth))
            suite.log(f"FHIR search {kind}: p95 {measured['fhir'].latency('p95')} ms, v1 "
                      f"{measured['v1'].latency('p95')} ms")
        v1, fhir = measured["v1"].latency("p95"), measured["fhir"].latency("p95")
        suite.checks.append(Check(
            id=f"fhir_search_{kind}_vs_v1", scenario="FHIR",
            figure=f"GET /fhir/R4/Patient?{parameter}= p95 ({fhir} ms) ÷ v1 search ({v1} ms)",
            value=round(fhir / v1, 2) if v1 and not problem else None, unit="× v1",
            target=f"≤ {1 + FHIR_WITHIN:.2f} × v1", op="<=", threshold=1 + FHIR_WITHIN, method=method,
            note=problem, details={"fhir": measured["fhir"].summary(), "v1": measured["v1"].summary()},
        ))
    connections = a.connections[0]
    measured = {"api": Measured(), "fhir": Measured()}
    problem = suite.probe_write_kind("fhir")
    problem = f"not measurable: {problem}" if problem else ""
    if not problem:
        for _ in range(a.runs):
            for kind in ("api", "fhir"):
                measured[kind].runs.append(run_wrk(app.url, "post.lua", connections=connections,
                                                   seconds=a.duration, args=suite.wrk_args(kind),
                                                   headers=suite.auth))
        suite.log(f"FHIR create: {measured['fhir'].rps:.0f} req/s, v1 {measured['api'].rps:.0f} req/s")
    v1, fhir = measured["api"].rps, measured["fhir"].rps
    suite.checks.append(Check(
        id="fhir_create_vs_v1", scenario="FHIR",
        figure=f"POST /fhir/R4/Patient throughput at {connections} connections ({fhir:,.0f} req/s) ÷ "
               f"POST /api/v1/patients ({v1:,.0f} req/s)",
        value=round(fhir / v1, 2) if v1 and not problem else None, unit="× v1",
        target=f"≥ {1 - FHIR_WITHIN:.2f} × v1", op=">=", threshold=1 - FHIR_WITHIN,
        method=(f"wrk, {a.duration:g} s per run, {a.runs} runs interleaved; the same person both ways (name, "
                "gender, birth date, phone, email, province, Ontario health card; v1 also links a provider and "
                "a group), bench/lua/post.lua"),
        note=problem, details={"fhir": measured["fhir"].summary(), "v1": measured["api"].summary()},
    ))


# -- merging ---------------------------------------------------------------------------------------
def merge_scenarios(suite, organization, samples: int):
    if not on_main("patients.merging"):
        return skip(suite, "merging", "patients/merging/ is not on main yet")
    from django.core.management import get_commands

    if "build_duplicates_worklist" in get_commands():
        started = time.perf_counter()
        out = subprocess.run([PYTHON, "manage.py", "build_duplicates_worklist"], env=suite.env, cwd=ROOT,
                             capture_output=True, text=True)
        seconds = time.perf_counter() - started
        problem = "" if out.returncode == 0 else f"exited with {out.returncode}: {(out.stderr or out.stdout)[-400:]}"
        suite.log(f"duplicates worklist: {seconds:.1f} s {problem}")
        suite.checks.append(Check(
            id="worklist_build_s", scenario="Merging",
            figure=f"build_duplicates_worklist over {suite.args.patients:,} patients: wall time",
            value=round(seconds, 1) if not problem else None, unit="s", target="≤ 600 s", op="<=", threshold=600,
            method="`manage.py build_duplicates_worklist` (all organizations), wall time of the command",
            note=problem, details={"stdout_tail": out.stdout[-400:]},
        ))
    else:
        skip(suite, "duplicates worklist", "`manage.py build_duplicates_worklist` does not exist yet")
    result = time_merges(organization, samples)
    suite.log(f"merge: {result}")
    suite.checks.append(Check(
        id="merge_p95", scenario="Merging", figure=f"merge_patients in an organization of {organization_count(suite)}"
                                                   " patients: p95",
        value=result.get("p95"), unit="ms", target="≤ 100 ms", op="<=", threshold=100,
        method=(f"in-process: patients.merging.merge_patients timed over {samples} merges of two loaded "
                "patients without a health card, newest first, no HTTP"),
        note=result.get("problem", ""), details=result,
    ))


def organization_count(suite) -> str:
    return f"{suite.big['count']:,}"


def time_merges(organization, samples: int) -> dict:
    from patients.actors import SYSTEM
    from patients.models import Patient

    merge_patients = importlib.import_module("patients.merging.services").merge_patients
    ids = list(Patient.objects.filter(organization=organization, status=Patient.Status.ACTIVE,
                                      health_card__isnull=True)
               .order_by("-created_at").values_list("pk", flat=True)[: 2 * samples])
    random.Random(5).shuffle(ids)
    timings, refused = [], []
    for merged_id, survivor_id in zip(ids[::2], ids[1::2], strict=False):
        merged, survivor = Patient.objects.get(pk=merged_id), Patient.objects.get(pk=survivor_id)
        started = time.perf_counter()
        try:
            merge_patients(merged=merged, survivor=survivor, actor=SYSTEM, reason="bench")
        except Exception as exc:  # a refusal is an answer too, but not a merge: counted apart
            refused.append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        timings.append((time.perf_counter() - started) * 1000)
    if not timings:
        return {"problem": f"not measurable: every merge refused ({refused[:2]})", "refused": len(refused)}
    timings.sort()
    return {"samples": len(timings), "refused": len(refused), "p50": round(statistics.median(timings), 2),
            "p95": round(timings[int(len(timings) * 0.95) - 1 if len(timings) > 1 else 0], 2),
            "max": round(timings[-1], 2), "refusals": refused[:3], "pid": os.getpid()}
