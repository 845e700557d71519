"""The duplicates worklist: pairs of live records (leads and patients) that are probably one person.

Built set-based, in SQL, never patient by patient: two self-joins of the patients table on the
duplicate rules' indexed keys, (organization, phone) and (organization, family_name_key,
date_of_birth), unioned, then kept when the rules say "probably one person":

- same family name and date of birth (what the registration warning calls the same), or
- same phone and the same date of birth, or the same phone where one date of birth is unknown (a lead).

A phone shared by a household (same phone, other dates of birth) is not a duplicate, and a phone
shared by more than MAX_PHONE_GROUP records (a switchboard) is not used at all. A full build
replaces the open pairs; dismissed pairs ("not the same person") keep their row, which the build
never reopens. After a registration, `refresh_pairs_of` looks up one record's pairs through the
same indexes (patients/merging/tasks.py runs it in the background).
"""

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from patients.merging.models import DuplicatePair
from patients.models import Patient

MAX_PHONE_GROUP = 20
LIVE = "status IN ('lead', 'active')"
PATIENTS = Patient._meta.db_table
PAIRS = DuplicatePair._meta.db_table

SAME_PHONE = "(a.phone <> '' AND a.phone = b.phone)"
SAME_BIRTH_DATE = "(a.date_of_birth IS NOT NULL AND a.date_of_birth = b.date_of_birth)"
SAME_NAME_AND_BIRTH_DATE = f"(a.family_name_key <> '' AND a.family_name_key = b.family_name_key AND {SAME_BIRTH_DATE})"
PROBABLY_ONE_PERSON = (f"({SAME_NAME_AND_BIRTH_DATE} OR ({SAME_PHONE} AND ({SAME_BIRTH_DATE} "
                       "OR a.date_of_birth IS NULL OR b.date_of_birth IS NULL)))")

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
ALL_PAIRS = f"""
SELECT a.id AS first_id, b.id AS second_id
FROM {PATIENTS} a
JOIN (SELECT organization_id, phone FROM {PATIENTS} WHERE {LIVE} AND phone <> '' {{scope}}
      GROUP BY organization_id, phone HAVING COUNT(*) BETWEEN 2 AND {MAX_PHONE_GROUP}) shared
  ON shared.organization_id = a.organization_id AND shared.phone = a.phone
JOIN {PATIENTS} b ON b.organization_id = a.organization_id AND b.phone = a.phone AND a.id < b.id
WHERE a.{LIVE} AND b.{LIVE}
UNION
SELECT a.id, b.id
FROM {PATIENTS} a
JOIN {PATIENTS} b ON b.organization_id = a.organization_id AND b.family_name_key = a.family_name_key
  AND b.date_of_birth = a.date_of_birth AND a.id < b.id
WHERE a.{LIVE} AND b.{LIVE} AND a.family_name_key <> '' AND a.date_of_birth IS NOT NULL {{scope_a}}
"""

# The pairs of one record: the other records sharing its phone or its family name and birth date.
PAIRS_OF_ONE = f"""
SELECT CASE WHEN x.id < y.id THEN x.id ELSE y.id END AS first_id,
       CASE WHEN x.id < y.id THEN y.id ELSE x.id END AS second_id
FROM {PATIENTS} x
JOIN {PATIENTS} y ON y.organization_id = x.organization_id AND y.id <> x.id AND y.{LIVE} AND (
    (x.phone <> '' AND y.phone = x.phone
     AND (SELECT COUNT(*) FROM {PATIENTS} s WHERE s.organization_id = x.organization_id AND s.phone = x.phone
          AND s.{LIVE}) <= {MAX_PHONE_GROUP})
    OR (x.family_name_key <> '' AND y.family_name_key = x.family_name_key AND y.date_of_birth = x.date_of_birth))
WHERE x.id = %s AND x.{LIVE}
"""


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
    scope, scope_a, params = "", "", []
    if organization is not None:
        open_pairs = open_pairs.filter(organization=organization)
        org = _db(type(organization), organization.pk)
        scope, scope_a, params = "AND organization_id = %s", "AND a.organization_id = %s", [org, org]
    with transaction.atomic():
        open_pairs.delete()
        with connection.cursor() as cursor:
            cursor.execute(INSERT.format(pairs=ALL_PAIRS.format(scope=scope, scope_a=scope_a)), [_now(), *params])
    pairs = DuplicatePair.objects.filter(dismissed_at__isnull=True)
    if organization is not None:
        pairs = pairs.filter(organization=organization)
    return BuildResult(pairs=pairs.count(), seconds=time.monotonic() - started)


def refresh_pairs_of(patient_id) -> None:
    """Bring one record's open pairs up to date (after it registered or changed)."""
    with transaction.atomic():
        DuplicatePair.objects.filter(dismissed_at__isnull=True, patient_a_id=patient_id).delete()
        DuplicatePair.objects.filter(dismissed_at__isnull=True, patient_b_id=patient_id).delete()
        with connection.cursor() as cursor:
            cursor.execute(INSERT.format(pairs=PAIRS_OF_ONE), [_now(), _db(Patient, patient_id)])


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
