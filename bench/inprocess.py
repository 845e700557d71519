"""Service calls timed in this process (no HTTP), and the query plans behind the read scenarios."""

import random
import statistics
import time
from datetime import date

from django.db import connection

from bench.cards import ontario_number


def percentile(values, pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _timings(calls) -> dict:
    ms = []
    for call in calls:
        started = time.perf_counter()
        call()
        ms.append((time.perf_counter() - started) * 1000)
    return {
        "samples": len(ms), "p50": round(percentile(ms, 50), 2), "p95": round(percentile(ms, 95), 2),
        "p99": round(percentile(ms, 99), 2), "mean": round(statistics.fmean(ms), 2) if ms else 0.0,
    }


def duplicate_check_inputs(samples, count: int, seed: int = 11) -> list[dict]:
    """What the intake form sends before saving: half returning patients (typed again, a new email),
    half new people who share a common family name or a birth date with many."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        s = samples[rng.randrange(len(samples))]
        born = date.fromisoformat(s["date_of_birth"]) if s["date_of_birth"] else date(1980, 1, 1)
        if i % 2 == 0:
            out.append({
                "given_name": s["given_name"], "family_name": s["family_name"], "date_of_birth": born,
                "phone": s["phone"], "email": f"new.{i}@bench.example",
                "health_card_number": s["card"] or "", "health_card_province": s["card_province"] or "",
            })
        else:
            out.append({
                "given_name": "Benchmark", "family_name": s["family_name"], "date_of_birth": born,
                "phone": f"+1416{rng.randrange(200, 1000)}{rng.randrange(10**4):04d}",
                "email": f"other.{i}@bench.example",
                "health_card_number": ontario_number(900_000_000 + i), "health_card_province": "ON",
            })
    return out


def time_duplicate_check(organization, samples, count: int) -> dict:
    from patients.duplicates import find_possible_duplicates

    inputs = duplicate_check_inputs(samples, count)
    for values in inputs[:20]:  # warm caches and connection
        find_possible_duplicates(organization, **values)
    result = _timings([lambda v=v: find_possible_duplicates(organization, **v) for v in inputs])
    found = sum(1 for v in inputs[:200] if find_possible_duplicates(organization, **v))
    result["found_share_first_200"] = round(found / min(len(inputs), 200), 2)
    return result


def time_search(organization, queries, page_size: int = 25) -> dict:
    from patients.selectors import search_patients

    calls = [lambda q=q: list(search_patients(organization, q)[:page_size]) for q in queries]
    for call in calls[:10]:
        call()
    return _timings(calls)


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def search_plans(organization, examples: dict[str, str], page_size: int = 25) -> dict[str, str]:
    from patients.selectors import search_patients

    return {kind: explain(search_patients(organization, q)[:page_size]) for kind, q in examples.items()}


def duplicate_check_plan(organization, values: dict) -> str:
    """The candidates query of find_possible_duplicates, captured and explained."""
    from django.test.utils import CaptureQueriesContext

    from patients.duplicates import find_possible_duplicates

    with CaptureQueriesContext(connection) as captured:
        find_possible_duplicates(organization, **values)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(query["sql"] + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(plans)
