"""Load N synthetic patients with PostgreSQL COPY, deterministically from a seed.

    python -m bench.generate --patients 20000 [--seed 8] [--database intake_bench]

Rows are realistic enough for the planner and for search: accented and shared family names,
households sharing a phone, valid E.164 phones for the organization's region, valid health
cards (Ontario Luhn, British Columbia mod 11, Quebec letters + birth date), unique emails,
patient numbers consistent with each organization's `last_patient_number`. Secondary indexes
are dropped during the COPY and rebuilt after it (as pg_restore does), and foreign keys are
not re-checked row by row (`session_replication_role = replica`): the generator makes them right.
"""

import argparse
import random
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

import psycopg
from psycopg.copy import QueuedLibpqWriter

from bench.cards import CardMaker
from bench.names_pool import (
    AREA_CODES,
    EMAIL_DOMAINS,
    FAMILY,
    GIVEN_FEMALE,
    GIVEN_MALE,
    NICKNAMES,
    PROVINCE_WEIGHTS,
    UAE_MOBILE_PREFIXES,
)
from patients.names import fold, search_name

TABLES = ["patients_patient", "patients_healthcard", "patients_patient_providers", "patients_patient_groups"]
PATIENT_COLUMNS = (
    "id organization_id status patient_number given_name family_name preferred_name full_name gender "
    "date_of_birth email phone calling_code local_phone province username password failed_sign_ins roles "
    "referrer meta unread_notifications accepts_marketing has_insurance created_via created_at updated_at "
    "promoted_by_label search_name family_name_key"
).split()
CARD_COLUMNS = "id organization_id patient_id number version_code province expiry_date".split()
TODAY = date(2025, 6, 2)  # fixed, so the same seed gives the same rows on any day
FIRST_CREATED = datetime(2019, 1, 7, 13, 0, tzinfo=UTC)
LAST_CREATED = datetime(2025, 5, 30, 17, 0, tzinfo=UTC)
CHUNK_ROWS = 20_000


@dataclass
class OrgSpec:
    slug: str
    name: str
    region: str
    share: float


DEFAULT_ORGS = [
    OrgSpec("northgate", "Northgate Health Network", "CA", 0.86),
    OrgSpec("lakeshore", "Lakeshore Family Clinic", "CA", 0.09),
    OrgSpec("riverbend", "Riverbend Medical", "CA", 0.04),
    OrgSpec("oasis", "Oasis Clinic Dubai", "AE", 0.01),
]


@dataclass
class LoadedOrg:
    """What the generator needs to know about an organization, and what it reports back."""

    id: str
    slug: str
    region: str
    count: int
    provider_ids: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)
    last_patient_number: int = 0
    samples: list[dict] = field(default_factory=list)  # some loaded patients, for the query scenarios


def split_counts(total: int, specs: list[OrgSpec]) -> list[int]:
    counts = [int(total * s.share) for s in specs]
    counts[0] += total - sum(counts)
    return counts


@cache
def _search_name(given, family, preferred):
    return search_name(given, family, preferred, f"{given} {family}")


@cache
def _fold(text):
    return fold(text)


@cache
def _ascii(text):
    return "".join(c for c in fold(text) if c.isascii() and c.isalnum())


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _cum(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


FAMILY_CUM = _cum([1 / (rank + 3) ** 0.9 for rank in range(len(FAMILY))])
PROVINCES = list(PROVINCE_WEIGHTS)
PROVINCE_CUM = _cum(PROVINCE_WEIGHTS.values())


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


class OrgRows:
    """Makes the COPY text lines of one organization's patients, in creation order."""

    def __init__(self, org: LoadedOrg, rng: random.Random):
        self.org, self.rng = org, rng
        self.cards = CardMaker()
        self.number = 0
        self.sample_every = max(org.count // 400, 1)
        self.previous = None

    def _phone(self, province):
        rng = self.rng
        if self.org.region == "AE":
            prefix = rng.choice(UAE_MOBILE_PREFIXES)
            local = f"{prefix}{rng.randrange(10**7):07d}"
            return f"+971{local}", "+971", local
        area = rng.choice(AREA_CODES.get(province, AREA_CODES["ON"]))
        local = f"{area}{rng.randrange(200, 1000)}{rng.randrange(10**4):04d}"
        return f"+1{local}", "+1", local

    def rows(self, index: int, patient_line: list, card_line: list, provider_line: list, group_line: list):
        rng, org = self.rng, self.org
        pid = _uuid(rng)
        female = rng.random() < 0.51
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        roll = rng.random()
        status = "lead" if roll < 0.03 else "archived" if roll < 0.04 else "active"
        household = self.previous is not None and rng.random() < 0.06
        if household:
            family, phone, calling, local, province = self.previous
        else:
            family = FAMILY[_bisect(FAMILY_CUM, rng.random() * FAMILY_CUM[-1])]
            province = "" if org.region == "AE" else PROVINCES[_bisect(PROVINCE_CUM, rng.random() * PROVINCE_CUM[-1])]
            phone, calling, local = self._phone(province)
        self.previous = (family, phone, calling, local, province)
        preferred = NICKNAMES.get(given, "") if rng.random() < 0.5 else ""
        age_days = int(rng.triangular(0, 96 * 365, 38 * 365))
        birth = TODAY - timedelta(days=age_days)
        gender = "female" if female else "male"
        if rng.random() < 0.01:
            gender = "other"
        created = FIRST_CREATED + (LAST_CREATED - FIRST_CREATED) * (index / max(org.count, 1))
        created += timedelta(seconds=rng.randrange(3600))
        email = ""
        if rng.random() < 0.85 and not household:
            email = f"{_ascii(given)}.{_ascii(family)}{index}@{rng.choice(EMAIL_DOMAINS)}"
        if status == "lead":
            number = "\\N"
            birth = None if rng.random() < 0.5 else birth
            created_via, keep_calling, keep_local = "api", calling, local
        else:
            self.number += 1
            number = str(self.number)
            created_via, keep_calling, keep_local = ("import" if rng.random() < 0.7 else "intake"), "", ""
        username = f"{email.lower()}#{org.slug}" if email else ""
        stamp = _ts(created)
        patient_line.append("\t".join((
            pid, org.id, status, number, given, family, preferred, f"{given} {family}", gender,
            birth.isoformat() if birth else "\\N", email, phone, keep_calling, keep_local, province, username,
            "", "0", '["patient"]', "", "{}", "0", "t" if rng.random() < 0.3 else "f",
            "t" if rng.random() < 0.4 else "f", created_via, stamp, stamp, "",
            _search_name(given, family, preferred), _fold(family),
        )))
        card = None
        if province and status != "lead" and rng.random() < 0.85:
            card = self.cards.make(province, given=given, family=family, birth=birth, female=female)
            version = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) if province == "ON" else ""
            expiry = "\\N"
            if province in ("ON", "NS", "QC", "BC"):
                expiry = (TODAY + timedelta(days=rng.randrange(-200, 5 * 365))).isoformat()
            card_line.append("\t".join((_uuid(rng), org.id, pid, card, version, province, expiry)))
        if status != "lead" and org.provider_ids and rng.random() < 0.35:
            provider_line.append(f"{pid}\t{rng.choice(org.provider_ids)}")
        if status != "lead" and org.group_ids and rng.random() < 0.12:
            group_line.append(f"{pid}\t{rng.choice(org.group_ids)}")
        if index % self.sample_every == 0:
            org.samples.append({
                "id": pid, "given_name": given, "family_name": family, "date_of_birth": birth.isoformat()
                if birth else None, "phone": phone, "local_phone": local, "email": email, "status": status,
                "patient_number": None if status == "lead" else self.number, "card": card,
                "card_province": province if card else None,
            })


def _bisect(cum, x):
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _secondary_indexes(conn) -> list[tuple[str, str, str]]:
    """(table, drop statement, create statement) for every index but the primary keys."""
    rows = conn.execute(
        """
        SELECT t.relname, i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.contype IN ('u', 'x')
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary
        """,
        (TABLES,),
    ).fetchall()
    out = []
    for table, index, index_def, constraint, constraint_def in rows:
        if constraint:
            out.append((table, f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"',
                        f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}'))
        else:
            out.append((table, f'DROP INDEX "{index}"', index_def))
    # The trigram index takes longest: start it first.
    out.sort(key=lambda item: "gin" not in item[2])
    return out


def _rebuild(dsn: str, statements: list[str], workers: int = 2):
    queue = list(statements)
    lock = threading.Lock()
    failures = []

    def work():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            while True:
                with lock:
                    if not queue:
                        return
                    sql = queue.pop(0)
                try:
                    conn.execute(sql)
                except Exception as exc:  # reported after the other builds finish
                    failures.append((sql, exc))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"index rebuild failed: {failures}")


def load_patients(dsn: str, orgs: list[LoadedOrg], *, seed: int = 8) -> dict:
    """COPY every org's patients; returns timings. The patient tables must be empty."""
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as admin:
        if admin.execute("SELECT EXISTS (SELECT 1 FROM patients_patient)").fetchone()[0]:
            admin.execute("TRUNCATE " + ", ".join(TABLES) + " CASCADE")
        indexes = _secondary_indexes(admin)
        for _, drop, _ in indexes:
            admin.execute(drop)

    targets = [
        ("patients_patient", PATIENT_COLUMNS),
        ("patients_healthcard", CARD_COLUMNS),
        ("patients_patient_providers", ["patient_id", "provider_id"]),
        ("patients_patient_groups", ["patient_id", "patientgroup_id"]),
    ]
    counts = dict.fromkeys(TABLES, 0)
    # One connection per table, all copying at once: PostgreSQL parses and inserts on other cores
    # while this process makes rows.
    with ExitStack() as stack:
        conns = [stack.enter_context(psycopg.connect(dsn)) for _ in targets]
        copies = []
        for conn, (table, columns) in zip(conns, targets, strict=True):
            conn.execute("SET session_replication_role = replica")
            cur = conn.cursor()
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            copies.append(stack.enter_context(cur.copy(sql, writer=QueuedLibpqWriter(cur))))
        buffers = [[], [], [], []]
        for org_index, org in enumerate(orgs):
            rng = random.Random(f"{seed}:{org_index}:{org.slug}")
            maker = OrgRows(org, rng)
            for i in range(org.count):
                maker.rows(i, *buffers)
                if len(buffers[0]) >= CHUNK_ROWS:
                    _flush(copies, buffers, counts, targets)
            _flush(copies, buffers, counts, targets)
            org.last_patient_number = maker.number
    # Leaving the stack ends each COPY, then commits and closes its connection.
    copied = time.perf_counter()

    _rebuild(dsn, [create for _, _, create in indexes])
    indexed = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as admin:
        for org in orgs:
            admin.execute("UPDATE organizations_organization SET last_patient_number = %s WHERE id = %s",
                          (org.last_patient_number, org.id))
        admin.execute("VACUUM (ANALYZE) " + ", ".join(TABLES))
    return {
        "rows": counts,
        "copy_seconds": round(copied - started, 2),
        "index_seconds": round(indexed - copied, 2),
        "load_seconds": round(indexed - started, 2),
        "vacuum_analyze_seconds": round(time.perf_counter() - indexed, 2),
    }


def _flush(copies, buffers, counts, targets):
    for copy, lines, (table, _) in zip(copies, buffers, targets, strict=True):
        if lines:
            copy.write("\n".join(lines) + "\n")
            counts[table] += len(lines)
            lines.clear()


def main(argv=None):
    from bench.setup import create_organizations, database_url, use_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--database", default="intake_bench")
    args = parser.parse_args(argv)
    use_database(args.database, fresh=True)
    orgs = create_organizations(DEFAULT_ORGS, split_counts(args.patients, DEFAULT_ORGS))
    print(load_patients(database_url(args.database), orgs, seed=args.seed))


if __name__ == "__main__":
    main()
