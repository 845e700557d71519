"""The duplicates worklist: pairs of live records (leads and patients) that are probably one person.

Built set-based, in SQL, never patient by patient: two self-joins of the patients table on the
duplicate rules' indexed keys, (organization, phone) and (organization, family_name_key,
date_of_birth), unioned, then kept when the rules say "probably one person":

- same family name and date of birth (what the registration warning calls the same), or
- same phone and the same date of birth, or the same phone where one date of birth is unknown (a lead).

A phone shared by a household (same phone, other dates of birth) is not a duplicate, and a phone
shared by more than MAX_GROUP records (a switchboard) is not used at all, nor a family name and birth
date shared by as many. A full build replaces the open pairs; dismissed pairs ("not the same person")
keep their row, which the build never reopens. The registration services keep it current in the
same transaction as the write: a new record's pairs are one INSERT ... SELECT through the same
indexes (`add_pairs_of_new`), a changed record's are looked up again (`refresh_pairs_of`), an
import's batch in one statement (`add_pairs_of_batch`).
"""

import time
from dataclasses import dataclass

import psycopg
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from patients.merging.models import DuplicatePair
from patients.models import Patient

MAX_GROUP = 20
LIVE = "status IN ('lead', 'active')"
PATIENTS = Patient._meta.db_table
PAIRS = DuplicatePair._meta.db_table

SAME_PHONE = "(a.phone <> '' AND a.phone = b.phone)"
SAME_BIRTH_DATE = "(a.date_of_birth IS NOT NULL AND a.date_of_birth = b.date_of_birth)"
SAME_NAME_AND_BIRTH_DATE = f"(a.family_name_key <> '' AND a.family_name_key = b.family_name_key AND {SAME_BIRTH_DATE})"
PROBABLY_ONE_PERSON = (f"({SAME_NAME_AND_BIRTH_DATE} OR ({SAME_PHONE} AND ({SAME_BIRTH_DATE} "
                       "OR a.date_of_birth IS NULL OR b.date_of_birth IS NULL)))")

# The rule as an opaque CASE: PostgreSQL does not estimate the join selectivity of each comparison
# in it (9 ms of planning per registration at 1M patients, against 1 ms).
RULE_UNPLANNED = f"CASE WHEN {PROBABLY_ONE_PERSON} THEN TRUE ELSE FALSE END"

INSERT = f"""
INSERT INTO {PAIRS} (organization_id, patient_a_id, patient_b_id, same_phone, same_name_and_birth_date,
                     same_birth_date, found_at, dismissed_by_label)
SELECT a.organization_id, a.id, b.id, COALESCE({SAME_PHONE}, FALSE), COALESCE({SAME_NAME_AND_BIRTH_DATE}, FALSE),
       COALESCE({SAME_BIRTH_DATE}, FALSE), %s, ''
FROM ({{pairs}}) AS pair
JOIN {PATIENTS} a ON a.id = pair.first_id
JOIN {PATIENTS} b ON b.id = pair.second_id
WHERE {PROBABLY_ONE_PERSON}
ON CONFLICT (patient_a_id, patient_b_id) DO UPDATE SET same_phone = excluded.same_phone,
    same_name_and_birth_date = excluded.same_name_and_birth_date, same_birth_date = excluded.same_birth_date
"""

# Every pair of an organization (or of all of them): the two equi-joins, each served by its index.
# A key shared by more than MAX_GROUP records (a switchboard's phone; a common family name with a
# common birth date in synthetic data) pairs nobody: it says nothing about any two of them, and its
# pairs would grow with the square of the group.
ALL_PAIRS = f"""
SELECT a.id AS first_id, b.id AS second_id
FROM {PATIENTS} a
JOIN (SELECT organization_id, phone FROM {PATIENTS} WHERE {LIVE} AND phone <> '' {{scope}}
      GROUP BY organization_id, phone HAVING COUNT(*) BETWEEN 2 AND {MAX_GROUP}) shared
  ON shared.organization_id = a.organization_id AND shared.phone = a.phone
JOIN {PATIENTS} b ON b.organization_id = a.organization_id AND b.phone = a.phone AND a.id < b.id
WHERE a.{LIVE} AND b.{LIVE}
UNION
SELECT a.id, b.id
FROM {PATIENTS} a
JOIN (SELECT organization_id, family_name_key, date_of_birth FROM {PATIENTS}
      WHERE {LIVE} AND family_name_key <> '' AND date_of_birth IS NOT NULL {{scope}}
      GROUP BY organization_id, family_name_key, date_of_birth HAVING COUNT(*) BETWEEN 2 AND {MAX_GROUP}) shared
  ON shared.organization_id = a.organization_id AND shared.family_name_key = a.family_name_key
  AND shared.date_of_birth = a.date_of_birth
JOIN {PATIENTS} b ON b.organization_id = a.organization_id AND b.family_name_key = a.family_name_key
  AND b.date_of_birth = a.date_of_birth AND a.id < b.id
WHERE a.{LIVE} AND b.{LIVE}
"""


def _group_size(*keys: str) -> str:
    """How many live records share the keys, counted up to MAX_GROUP + 1 (a switchboard's thousands are
    not read)."""
    same = " AND ".join(f"s.{k} = a.{k}" for k in keys)
    return (f"(SELECT COUNT(*) FROM (SELECT 1 FROM {PATIENTS} s WHERE s.organization_id = a.organization_id "
            f"AND {same} AND s.{LIVE} LIMIT {MAX_GROUP + 1}) AS g)")


def _pairs_sharing(join: str, shared: str, group: str) -> str:
    return f"""
SELECT a.organization_id, CASE WHEN a.id < b.id THEN a.id ELSE b.id END, CASE WHEN a.id < b.id THEN b.id ELSE a.id END,
       COALESCE({SAME_PHONE}, FALSE), COALESCE({SAME_NAME_AND_BIRTH_DATE}, FALSE), COALESCE({SAME_BIRTH_DATE}, FALSE),
       %s, ''
FROM {PATIENTS} a
JOIN {PATIENTS} b ON b.organization_id = a.organization_id AND {join} AND b.id <> a.id AND b.{LIVE}
WHERE a.id {{a_is}} AND a.{LIVE} AND {shared} AND {group} <= {MAX_GROUP} AND {RULE_UNPLANNED}"""


# The pairs of some records ({a_is}: "= %s" for one record, or the array form for a batch) with the
# other records sharing their phone, or their family name and birth date: two joins that each hold
# only equalities, each an index lookup on (organization, key). One join with an OR between the keys
# made PostgreSQL scan both indexes without the organization (140 ms at 1M patients).
INSERT_PAIRS_OF = f"""
INSERT INTO {PAIRS} (organization_id, patient_a_id, patient_b_id, same_phone, same_name_and_birth_date,
                     same_birth_date, found_at, dismissed_by_label)
{_pairs_sharing("b.phone = a.phone", "a.phone <> ''", _group_size("phone"))}
UNION
{_pairs_sharing("b.family_name_key = a.family_name_key AND b.date_of_birth = a.date_of_birth",
                "a.family_name_key <> ''", _group_size("family_name_key", "date_of_birth"))}
ON CONFLICT (patient_a_id, patient_b_id) DO UPDATE SET same_phone = excluded.same_phone,
    same_name_and_birth_date = excluded.same_name_and_birth_date, same_birth_date = excluded.same_birth_date
"""
INSERT_PAIRS_OF_ONE = INSERT_PAIRS_OF.format(a_is="= %s")


@dataclass
class BuildResult:
    pairs: int
    seconds: float


def _db(field_owner, value):
    return field_owner._meta.pk.get_db_prep_value(value, connection)


def _now():
    return DuplicatePair._meta.get_field("found_at").get_db_prep_value(timezone.now(), connection)


def build_worklist(organization=None) -> BuildResult:
    """Rebuild the open pairs of `organization` (or of every organization) in one transaction."""
    started = time.monotonic()
    open_pairs = DuplicatePair.objects.filter(dismissed_at__isnull=True)
    scope, params = "", []
    if organization is not None:
        open_pairs = open_pairs.filter(organization=organization)
        org = _db(type(organization), organization.pk)
        scope, params = "AND organization_id = %s", [org, org]
    with transaction.atomic():
        open_pairs.delete()
        with connection.cursor() as cursor:
            cursor.execute(INSERT.format(pairs=ALL_PAIRS.format(scope=scope)), [_now(), *params])
    pairs = DuplicatePair.objects.filter(dismissed_at__isnull=True)
    if organization is not None:
        pairs = pairs.filter(organization=organization)
    return BuildResult(pairs=pairs.count(), seconds=time.monotonic() - started)


def _execute_prepared(sql: str, params: list) -> None:
    """On PostgreSQL as a prepared statement (once per connection; PostgreSQL keeps a generic plan from
    the sixth execution): parsing and planning this statement cost ~3 ms per registration, the prepared
    plan 0.4 ms. Through Django's cursor wrapper, so it is logged and counted like any query. (Behind
    a transaction-pooling PgBouncer, set its max_prepared_statements.)"""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    connection.ensure_connection()
    raw = _PreparingCursor(connection.connection)
    with (connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)) as cursor:
        cursor.execute(sql, params)


class _PreparingCursor(psycopg.Cursor):
    """Server-side binding, every statement prepared. Django switches psycopg's preparing off on its
    connections (prepare_threshold None, which refuses even prepare=True); on for this call only."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        threshold, self.connection.prepare_threshold = self.connection.prepare_threshold, 0
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        finally:
            self.connection.prepare_threshold = threshold


def add_pairs_of_new(patient_id) -> None:
    """Add the pairs of a record just inserted (it has none yet): one statement."""
    _execute_prepared(INSERT_PAIRS_OF_ONE, [_now(), _db(Patient, patient_id)] * 2)


def add_pairs_of_batch(ids: list) -> None:
    """Add the pairs of records just inserted together (an import's batch): one statement."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        a_is, ids_params = "= ANY(%s::uuid[])", [[str(i) for i in ids]]
    else:
        a_is, ids_params = f"IN ({', '.join(['%s'] * len(ids))})", [_db(Patient, i) for i in ids]
    with connection.cursor() as cursor:
        cursor.execute(INSERT_PAIRS_OF.format(a_is=a_is), [_now(), *ids_params] * 2)


def refresh_pairs_of(patient_id) -> None:
    """Bring one record's open pairs up to date (after it changed, or was promoted)."""
    with transaction.atomic(savepoint=False):  # inside a service's transaction: no savepoint round trips
        DuplicatePair.objects.filter(Q(patient_a_id=patient_id) | Q(patient_b_id=patient_id),
                                     dismissed_at__isnull=True).delete()
        _execute_prepared(INSERT_PAIRS_OF_ONE, [_now(), _db(Patient, patient_id)] * 2)


def open_pairs(queryset=None):
    """The pairs to review, newest first: not dismissed, both records still leads or patients."""
    pairs = DuplicatePair.objects.all() if queryset is None else queryset
    return (pairs.filter(dismissed_at__isnull=True, patient_a__status__in=Patient.LIVE_STATUSES,
                         patient_b__status__in=Patient.LIVE_STATUSES)
            .select_related("patient_a", "patient_b").order_by("-found_at", "-id"))


def dismiss_pair(pair: DuplicatePair, *, actor) -> DuplicatePair:
    """"Not the same person": the pair stays, dismissed, and no build offers it again."""
    DuplicatePair.objects.filter(pk=pair.pk, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now(), dismissed_by_label=actor.label[:200])
    pair.refresh_from_db()
    return pair
