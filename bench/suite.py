"""The scenarios, in order: load, write throughput, reads, service timings, import, memory."""

import json
from pathlib import Path

import psycopg

from bench import queries
from bench.generate import DEFAULT_ORGS, load_patients, split_counts
from bench.load import Measured, run_wrk
from bench.report import Check, machine, markdown, payload, write_json
from bench.server import Server, request
from bench.setup import (
    ROOT,
    app_environment,
    create_callers,
    create_organizations,
    database_url,
    migrate_reference,
    reference_environment,
    use_database,
)

FINDINGS = ROOT / "bench" / "findings.md"
LOAD_TARGET_ROWS_PER_S = 1_000_000 / 120  # a million rows in under two minutes

WRITE_KINDS = {
    # kind: (scenario name, Lua body kind, target ratio)
    "reference": ("Reference: bare DRF create", "ref", None),
    "api_create": ("POST /api/v1/patients (health card, a provider, a group; API key)", "api", 0.6),
    "leads_lead": ("POST /api/user/v1/patients/add, isLead true", "lead", 0.7),
    "leads_full": ("POST /api/user/v1/patients/add, isLead false", "full", 0.7),
}


class Suite:
    def __init__(self, args, *, log):
        self.args, self.log = args, log
        self.checks: list[Check] = []
        self.extra: dict = {"scenarios": {}, "skipped": {}}
        self.servers: dict[str, Server] = {}
        self.work = Path(args.work_dir)
        self.work.mkdir(parents=True, exist_ok=True)
        self.results = Path(args.json_out).parent
        self.results.mkdir(parents=True, exist_ok=True)
        from bench.features import previous_figures

        self.before = previous_figures(args.json_out)  # the run this one replaces

    def wants(self, group: str) -> bool:
        return not self.args.only or group in self.args.only

    # -- data ---------------------------------------------------------------------------------
    def prepare(self):
        a = self.args
        samples_file = self.work / f"{a.database}-samples.json"
        stored = json.loads(samples_file.read_text()) if samples_file.exists() else None
        reuse = bool(a.reuse and stored and stored["patients"] == a.patients and stored["seed"] == a.seed)
        self.log(f"database {a.database}: {'reusing loaded data' if reuse else 'fresh, migrating'}")
        self.env = use_database(a.database, fresh=not reuse)
        migrate_reference(a.reference_database, fresh=True)
        if reuse:
            self.orgs_info, load = stored["orgs"], stored["load"]
        else:
            counts = split_counts(a.patients, DEFAULT_ORGS)
            orgs = create_organizations(DEFAULT_ORGS, counts)
            self.log(f"loading {a.patients:,} patients with COPY")
            load = load_patients(database_url(a.database), orgs, seed=a.seed)
            self.orgs_info = [{"id": o.id, "slug": o.slug, "count": o.count, "samples": o.samples,
                               "provider_ids": o.provider_ids, "group_ids": o.group_ids} for o in orgs]
            samples_file.write_text(json.dumps({"patients": a.patients, "seed": a.seed, "load": load,
                                                "orgs": self.orgs_info}))
        self.log(f"load: {load}")
        self.big = self.orgs_info[0]
        self.samples = self.big["samples"]
        self.callers = create_callers(self.big["slug"])
        rows_per_s = a.patients / load["load_seconds"] if load["load_seconds"] else None
        self.checks.append(Check(
            id="load", scenario="Data load", figure=f"Load {a.patients:,} patients (COPY + index build)",
            value=round(rows_per_s) if rows_per_s else None, unit="rows/s",
            target=f"≥ {LOAD_TARGET_ROWS_PER_S:,.0f} rows/s (1M in < 2 min)", op=">=",
            threshold=LOAD_TARGET_ROWS_PER_S,
            method="bench/generate.py: rows made in Python from a seed, COPY into 4 tables at once over 4 "
                   "connections, secondary indexes dropped during COPY and rebuilt after; VACUUM ANALYZE "
                   "afterwards is not counted.",
            note="" if not reuse else "Figures of the run that loaded this database (--reuse).",
            details=load,
        ))
        with psycopg.connect(database_url(a.database), autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_state (name text PRIMARY KEY, value bigint NOT NULL)")
            conn.execute("INSERT INTO bench_state VALUES ('nonce', 0) ON CONFLICT DO NOTHING")

    def next_nonce(self) -> int:
        with psycopg.connect(database_url(self.args.database), autocommit=True) as conn:
            return conn.execute("UPDATE bench_state SET value = value + 1 WHERE name = 'nonce' RETURNING value"
                                ).fetchone()[0]

    # -- servers --------------------------------------------------------------------------------
    def start_servers(self):
        a = self.args
        self.servers["app"] = Server("app", "config.wsgi:application", app_environment(a.database),
                                     workers=a.workers, log_path=self.work / "gunicorn-app.log").start("/login/")
        self.servers["reference"] = Server(
            "reference", "bench.reference.wsgi:application", reference_environment(a.reference_database),
            workers=a.workers, log_path=self.work / "gunicorn-reference.log").start("/ping")
        self.log(f"servers up: app {self.servers['app'].url}, reference {self.servers['reference'].url}, "
                 f"{a.workers} workers each")

    def replica_scenarios(self):
        from bench import replica_reads

        a = self.args
        problem = replica_reads.standby_problem(database_url(a.database), a.database,
                                                wait_seconds=300 if a.quick else 1200, log=self.log)
        if problem:
            self.log(f"replica: skipped: {problem}")
            self.extra["skipped"]["replica"] = problem
            return
        self.servers["app_replica"] = Server(
            "app_replica", "config.wsgi:application",
            app_environment(a.database, REPLICA_DATABASE_URL=replica_reads.standby_url(a.database)),
            workers=a.workers, log_path=self.work / "gunicorn-app-replica.log").start("/login/")
        searches = [d for d in self.read_definitions() if d[0].startswith(("api_search", "frontdesk_search"))]
        self.checks.extend(replica_reads.measure(self, searches, replica_server=self.servers["app_replica"],
                                                 primary_server=self.servers["app"]))
        self.servers.pop("app_replica").stop()

    def stop_servers(self):
        for server in self.servers.values():
            server.stop()

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.callers['api_key']}"}

    # -- write scenarios ----------------------------------------------------------------------
    def _wrk_args(self, lua_kind: str) -> list:
        links = [self.big["provider_ids"][0], self.big["group_ids"][0]] if lua_kind == "api" else ["", ""]
        return [lua_kind, self.next_nonce(), *links]

    def _probe_write(self, kind: str) -> str:
        return self.probe_write_kind(WRITE_KINDS[kind][1], server="reference" if kind == "reference" else "app")

    def probe_write_kind(self, lua_kind: str, server: str = "app") -> str:
        """'' when one request of this kind (bench/lua/post.lua) is answered 201, else what came back."""
        server = self.servers[server]
        run = run_wrk(server.url, "post.lua", connections=1, seconds=1, args=self._wrk_args(lua_kind),
                      headers=self.auth, threads=1)
        if run.requests and not run.errors:
            return ""
        body = probe_body(lua_kind, self.next_nonce(), self.big)
        path, content_type = {"lead": ("/api/user/v1/patients/add", "application/json"),
                              "full": ("/api/user/v1/patients/add", "application/json"),
                              "fhir": ("/fhir/R4/Patient", "application/fhir+json")
                              }.get(lua_kind, ("/api/v1/patients", "application/json"))
        status, answer = request(server.url + path, method="POST", body=json.dumps(body).encode(),
                                 headers={**self.auth, "Content-Type": content_type})
        return f"HTTP {status}: {answer[:300].decode(errors='replace')}"

    def probe_paths(self, paths, headers=None) -> str:
        """'' when each path is answered 200, else the first that is not."""
        for path in paths:
            status, body = request(self.servers["app"].url + path, headers=self.auth if headers is None else headers)
            if status != 200:
                return f"not measurable: {path} -> HTTP {status}: {body[:200].decode(errors='replace')}"
        return ""

    wrk_args = property(lambda self: self._wrk_args)

    def write_scenarios(self):
        a = self.args
        problems = {kind: self._probe_write(kind) for kind in WRITE_KINDS}
        for kind, problem in problems.items():
            if problem:
                self.log(f"{kind}: not measurable: {problem}")
        live = [k for k in WRITE_KINDS if not problems[k]]
        for kind in live if a.warmup else ():  # warm-up: imports, connections, caches
            lua_kind = WRITE_KINDS[kind][1]
            server = self.servers["reference" if kind == "reference" else "app"]
            run_wrk(server.url, "post.lua", connections=a.connections[0], seconds=a.warmup,
                    args=self._wrk_args(lua_kind), headers=self.auth)
        measured = {(k, c): Measured() for k in live for c in a.connections}
        for connections in a.connections:
            for n in range(a.runs):
                for kind in live:  # interleaved, so drift in the machine's load hits all alike
                    lua_kind = WRITE_KINDS[kind][1]
                    server = self.servers["reference" if kind == "reference" else "app"]
                    run = run_wrk(server.url, "post.lua", connections=connections, seconds=a.duration,
                                  args=self._wrk_args(lua_kind), headers=self.auth)
                    measured[(kind, connections)].runs.append(run)
                    self.log(f"{kind} c{connections} run {n + 1}: {run.rps:.0f} req/s, "
                             f"p99 {run.latency_ms['p99']} ms, errors {run.errors}")
        self.extra["scenarios"]["write"] = {f"{k}_c{c}": m.summary() for (k, c), m in measured.items()}
        method = (f"wrk, {a.duration:g} s per run, {a.runs} runs interleaved with the reference, median "
                  "req/s; bodies unique per request (bench/lua/post.lua); ratio = app req/s ÷ reference "
                  "req/s at the same connection count")
        for kind, (title, _, ratio_target) in WRITE_KINDS.items():
            if ratio_target is None:
                continue
            for connections in a.connections:
                ref = measured.get(("reference", connections))
                app = measured.get((kind, connections))
                ref_text = (f"{ref.rps:,.0f} req/s, p50 {ref.latency('p50')} ms, p99 {ref.latency('p99')} ms"
                            if ref else "not measured")
                note = problems[kind] or ("" if ref else f"reference not measured: {problems['reference']}")
                value = round(app.rps / ref.rps, 2) if app and ref and ref.rps else None
                details = app.summary() if app else {}
                self.checks.append(Check(
                    id=f"{kind}_c{connections}_ratio", scenario=title,
                    figure=f"{title}: throughput at {connections} connections"
                           + (f" ({app.rps:,.0f} req/s)" if app else ""),
                    value=value, unit="× reference", target=f"≥ {ratio_target} × reference", op=">=",
                    threshold=ratio_target, reference=ref_text, method=method, note=note, details=details,
                ))
                if kind == "api_create" and connections == 8:
                    self.checks.append(Check(
                        id="api_create_c8_p99", scenario=title, figure=f"{title}: p99 latency at 8 connections",
                        value=app.latency("p99") if app else None, unit="ms", target="≤ 50 ms", op="<=",
                        threshold=50, reference=ref_text, method=method, note=note, details=details,
                    ))

    # -- read scenarios -----------------------------------------------------------------------
    def read_definitions(self):
        s, cookie = self.samples, lambda key: {"Cookie": f"sessionid={key}"}
        desk, admin = cookie(self.callers["desk_session"]), cookie(self.callers["admin_session"])
        api = "API search (GET /api/v1/patients?q=)"
        return [
            ("api_search_name", api, "by name prefix", queries.api_search_paths(queries.name_queries(s)),
             self.auth, 25),
            ("api_search_phone", api, "by phone", queries.api_search_paths(queries.phone_queries(s)), self.auth, 25),
            ("api_search_dob", api, "by date of birth", queries.api_search_paths(queries.birth_date_queries(s)),
             self.auth, 25),
            ("api_search_card", api, "by health card", queries.api_search_paths(queries.card_queries(s)),
             self.auth, 25),
            ("frontdesk_search", "Front desk", "patient search page (/patients/?q=)",
             queries.frontdesk_search_paths(s), desk, 50),
            ("frontdesk_patient", "Front desk", "patient page (/patients/<id>/)", queries.patient_page_paths(s),
             desk, 50),
            ("admin_unfiltered", "Admin patients changelist", "unfiltered", queries.admin_unfiltered_paths(),
             admin, 250),
            ("admin_filtered", "Admin patients changelist", "filtered",
             queries.admin_filtered_paths(self.big["id"]), admin, 250),
            ("admin_searched", "Admin patients changelist", "searched", queries.admin_searched_paths(s), admin, 250),
        ]

    def read_scenarios(self):
        a = self.args
        app = self.servers["app"]
        method = (f"wrk at {a.get_connections} connections, {a.get_duration:g} s per run, {a.runs} runs, median "
                  "of the runs' p95; each request asks a different question (paths made from loaded patients, "
                  "bench/queries.py, rotated by bench/lua/get.lua)")
        floor = self.reference_floor()
        for check_id, scenario, what, paths, headers, limit in self.read_definitions():
            probe_all = check_id.startswith("admin") or len(paths) <= 10
            bad = []
            for path in paths if probe_all else paths[:5]:
                status, body = request(app.url + path, headers=headers)
                if status != 200:
                    bad.append(f"{path} -> HTTP {status}")
            good = [p for p in paths if p not in {b.split(" -> ")[0] for b in bad}]
            note = ""
            if bad and (not probe_all or not good):
                note = "not measurable: " + "; ".join(bad[:3])
                good = []
            elif bad:
                note = "left out (not answered 200): " + "; ".join(bad[:3])
            measured = Measured()
            if good:
                path_file = self.work / f"paths-{check_id}.txt"
                path_file.write_text("\n".join(good) + "\n")
                if a.warmup:
                    run_wrk(app.url, "get.lua", connections=a.get_connections, seconds=a.warmup,
                            args=[path_file], headers=headers)
                for _ in range(a.runs):
                    measured.runs.append(run_wrk(app.url, "get.lua", connections=a.get_connections,
                                                 seconds=a.get_duration, args=[path_file], headers=headers))
                self.log(f"{check_id}: p95 {measured.latency('p95')} ms, {measured.rps:.0f} req/s, "
                         f"errors {measured.errors}")
            else:
                self.log(f"{check_id}: {note}")
            self.checks.append(Check(
                id=f"{check_id}_p95", scenario=f"{scenario}", figure=f"{scenario}, {what}: p95 latency",
                value=measured.latency("p95") if good else None, unit="ms", target=f"≤ {limit} ms", op="<=",
                threshold=limit, method=method, note=note, reference=floor,
                details={**measured.summary(), "distinct_paths": len(good)},
            ))

    def reference_floor(self) -> str:
        """What the slowest part of this machine alone costs: the reference's trivial GET, same load."""
        a = self.args
        path_file = self.work / "paths-reference-ping.txt"
        path_file.write_text("/ping\n")
        ref = self.servers["reference"]
        measured = Measured(runs=[run_wrk(ref.url, "get.lua", connections=a.get_connections, seconds=a.get_duration,
                                          args=[path_file]) for _ in range(a.runs)])
        self.extra["scenarios"]["reference_ping"] = measured.summary()
        return (f"trivial GET (reference /ping): p95 {measured.latency('p95')} ms, "
                f"{measured.rps:,.0f} req/s")

    def memory_check(self):
        app, ref = self.servers["app"].worker_rss_mb(), self.servers["reference"].worker_rss_mb()
        self.checks.append(Check(
            id="worker_rss", scenario="gunicorn worker memory", figure="gunicorn worker RSS after the load (largest)",
            value=max(app) if app else None, unit="MB", target="≤ 150 MB each", op="<=", threshold=150,
            reference=f"reference workers: {', '.join(f'{x:g}' for x in ref)} MB",
            method="VmRSS of each gunicorn worker (/proc/<pid>/status) after every HTTP scenario ran",
            details={"app_workers_mb": app, "reference_workers_mb": ref},
        ))

    # -- service timings ----------------------------------------------------------------------
    def service_scenarios(self):
        from bench import inprocess
        from organizations.models import Organization

        a = self.args
        organization = Organization.objects.get(pk=self.big["id"])
        result = inprocess.time_duplicate_check(organization, self.samples, a.duplicate_samples)
        self.log(f"duplicate check: {result}")
        self.checks.append(Check(
            id="duplicate_check_p95", scenario="Duplicate check",
            figure=f"Duplicate check of a new registration against {self.big['count']:,} patients: p95",
            value=result["p95"], unit="ms", target="≤ 10 ms", op="<=", threshold=10,
            method=(f"in-process: patients.duplicates.find_possible_duplicates timed over {result['samples']:,} "
                    "calls (half returning patients typed again, half new people sharing a family name and birth "
                    "date with many), no HTTP; plan in bench/results/plans.txt"),
            details=result,
        ))
        by_kind = {
            "name": queries.name_queries(self.samples, 200), "phone": queries.phone_queries(self.samples, 200),
            "dob": queries.birth_date_queries(self.samples, 200), "card": queries.card_queries(self.samples, 200),
        }
        self.extra["scenarios"]["search_in_process"] = {
            kind: inprocess.time_search(organization, qs) for kind, qs in by_kind.items()
        }
        plans = inprocess.search_plans(organization, {k: v[0] for k, v in by_kind.items()})
        # What the API's paginator sends when a search has a single match (LIMIT <count>): see findings.md.
        quebec = next((x["card"] for x in self.samples if x["card"] and x["card"][:1].isalpha()), by_kind["card"][0])
        from patients.selectors import search_patients

        trap = f"card, LIMIT 1 (the short-page trap of findings.md, before the full-page paginator): {quebec}"
        plans[trap] = inprocess.explain(search_patients(organization, quebec).select_related("health_card")[:1])
        values = inprocess.duplicate_check_inputs(self.samples, 2)
        plans["duplicate check (returning patient)"] = inprocess.duplicate_check_plan(organization, values[0])
        plans["duplicate check (new person)"] = inprocess.duplicate_check_plan(organization, values[1])
        Path(self.args.plans_out).write_text("".join(
            f"== {kind}: {by_kind.get(kind, [''])[0]}\n{plan}\n\n" for kind, plan in plans.items()))

    # -- import ---------------------------------------------------------------------------------
    def import_scenario(self):
        from bench.import_run import run_import

        a = self.args
        result = run_import(self.env, self.big["slug"], a.import_rows, self.work, nonce=self.next_nonce())
        self.log(f"import: {result}")
        note = result.get("problem", "")
        method = (f"`manage.py import_patients --organization {self.big['slug']}` on a {a.import_rows:,}-row CSV "
                  "(bench/import_run.py); wall time and peak RSS of the command's process (wait4 rusage)")
        self.checks.append(Check(
            id="import_rows_per_s", scenario="import_patients", figure=f"import_patients of {a.import_rows:,} rows",
            value=result.get("rows_per_s"), unit="rows/s", target="≥ 10,000 rows/s", op=">=", threshold=10_000,
            method=method, note=note, details=result,
        ))
        self.checks.append(Check(
            id="import_peak_rss", scenario="import_patients", figure="import_patients peak memory",
            value=result.get("peak_rss_mb"), unit="MB", target="≤ 400 MB", op="<=", threshold=400,
            method=method, note=note, details=result,
        ))

    # -- the whole run ------------------------------------------------------------------------
    def run(self):
        self.prepare()
        self.start_servers()
        # Reads and service timings first, on the data as loaded: the write scenarios add thousands of
        # patients that would then be the newest, the first rows every newest-first search reads.
        from bench import features

        if self.wants("read"):
            self.read_scenarios()
            features.access_log_checks(self, self.before)
        if self.wants("replica"):
            self.replica_scenarios()
        if self.wants("service"):
            self.service_scenarios()
        if self.wants("write"):
            self.write_scenarios()
        if self.wants("fhir"):
            features.fhir_scenarios(self)
        self.memory_check()
        if self.wants("import"):
            self.import_scenario()
        if self.wants("merge"):  # last: it merges loaded patients
            from organizations.models import Organization

            features.merge_scenarios(self, Organization.objects.get(pk=self.big["id"]),
                                     samples=50 if self.args.quick else 200)

    def write_report(self) -> dict:
        a = self.args
        settings = {
            "patients": a.patients, "seed": a.seed, "quick": a.quick, "duration_s": a.duration,
            "get_duration_s": a.get_duration, "warmup_s": a.warmup, "runs": a.runs, "connections": a.connections,
            "get_connections": a.get_connections, "workers": a.workers, "import_rows": a.import_rows,
            "organizations": len(getattr(self, "orgs_info", [])),
            "largest_organization": getattr(self, "big", {}).get("count", 0),
        }
        data = payload(self.checks, settings=settings, machine_info=machine(database_url(a.database)),
                       extra=self.extra)
        write_json(a.json_out, data)
        findings = FINDINGS.read_text() if FINDINGS.exists() else ""
        Path(a.markdown_out).write_text(markdown(data, findings))
        return data


def probe_body(kind: str, nonce: int, org: dict) -> dict:
    """One body like bench/lua/post.lua's, for showing why a scenario's requests fail."""
    from bench.cards import ontario_number

    email = f"probe.{nonce}.{kind}@bench.example"
    if kind == "fhir":
        return {"resourceType": "Patient", "name": [{"use": "official", "family": "Tremblay", "given": ["Zoé"]}],
                "gender": "female", "birthDate": "1984-03-09", "address": [{"state": "ON"}],
                "telecom": [{"system": "phone", "value": "4165550199"}, {"system": "email", "value": email}]}
    if kind in ("lead", "full"):
        return {"isLead": kind == "lead", "preferredName": "Zoé", "fullName": "Zoé Tremblay", "callingCode": "+1",
                "localPhone": "4165550199", "email": None if kind == "lead" else email, "gender": "Female",
                "dateOfBirth": {"date": "1111-01-01" if kind == "lead" else "1984-03-09"}}
    return {"email": email, "firstName": "Zoé", "lastName": "Tremblay", "gender": "female", "phone": "4165550199",
            "dateOfBirth": "1984-03-09", "province": "ON",
            "hcCard": {"number": ontario_number(90_000_000 + nonce % 10_000_000), "versionCode": "AB",
                       "province": "ON", "expiryDate": "2029-06-30"},
            "providers": [org["provider_ids"][0]], "groups": [org["group_ids"][0]]}

