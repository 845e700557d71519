"""What the import asks the database about a batch of rows: one query per kind of key.

Raw SQL with a single array parameter on PostgreSQL: a query with thousands of placeholders
costs more to send than the lookup itself, and the phone field's own ORM lookup parses every
number again. The array is read through a sub-select (`= ANY(ARRAY(SELECT unnest(...)))`): given
the 2,000 values themselves, the planner spends longer estimating each one than the lookup takes,
and reads the health cards in full instead of through their index. Each function answers (patient
id, patient number, given name, family name, key) tuples; the key is what matched.
"""

import operator

from django.db import connection

from patients.models import HealthCard, Patient

ACTIVE_OR_LEAD = (Patient.Status.ACTIVE.value, Patient.Status.LEAD.value)


class Keys(list):
    """Values to look up, with their PostgreSQL array literal(s) made ahead, in the thread that reads
    the file (the lookups run in the thread that writes, which the database waits for). `parts`:
    one function per array, giving each value's element (default: the values themselves)."""

    def __init__(self, values, *parts):
        super().__init__(values)
        self.arrays = None
        if connection.vendor == "postgresql":
            self.arrays = [array_text(map(part, self)) for part in parts] if parts else [array_text(self)]


def arrays_of(values, *parts) -> list[str]:
    """The array literal(s) of `values`: made ahead when they are Keys."""
    if isinstance(values, Keys) and values.arrays is not None:
        return values.arrays
    return Keys(values, *parts).arrays


def any_of(column: str, values, db_type: str = "text") -> tuple[str, list]:
    """SQL and parameters for `column` being one of `values` (of the PostgreSQL type `db_type`)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(ARRAY(SELECT unnest(%s::{db_type}[])))", arrays_of(values)
    values = list(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def array_text(values) -> str:
    """A PostgreSQL array literal: '{"a","b"}'. Built here in one go: psycopg adapts a list element by
    element, in Python. `values` are texts, numbers, dates or UUIDs (never None)."""
    return "{" + ",".join([_quoted(str(v)) for v in values]) + "}"


def _quoted(text: str) -> str:
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _select(organization, key_sql: str, condition: str, params: list, *, statuses=None, join_cards=False):
    table = connection.ops.quote_name(Patient._meta.db_table)
    source, owner = f"{table} p", "p"
    if join_cards:  # the cards' own (organization, number) index leads
        cards = connection.ops.quote_name(HealthCard._meta.db_table)
        source, owner = f"{cards} c JOIN {table} p ON p.id = c.patient_id", "c"
    sql = (f"SELECT p.id, p.patient_number, p.given_name, p.family_name, {key_sql} FROM {source} "
           f"WHERE {owner}.organization_id = %s AND {condition}")
    organization_id = Patient._meta.get_field("organization").get_db_prep_value(organization.pk, connection)
    params = [organization_id, *params]
    if statuses:
        sql += f" AND p.status IN ({', '.join(['%s'] * len(statuses))})"
        params += list(statuses)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    to_uuid = Patient._meta.pk.to_python
    return [(to_uuid(pk), *rest) for pk, *rest in rows]


# What the unique constraints on email and EMR id leave out (a merged record keeps its values; the
# survivor may hold them again), written as their partial indexes' predicates so those indexes answer:
# without it PostgreSQL scanned the whole table for every batch (10 s per 2,000 emails at 1M).
NOT_MERGED = "p.status <> 'merged'"


def by_email(organization, emails):
    """Emails are compared lower-cased, as the unique constraint does (and its index answers)."""
    condition, params = any_of("LOWER(p.email)", emails)
    return _select(organization, "LOWER(p.email)", f"p.email <> '' AND {NOT_MERGED} AND {condition}", params)


def by_emr_id(organization, emr_ids):
    condition, params = any_of("p.emr_id", emr_ids, "bigint")
    return _select(organization, "p.emr_id", f"{NOT_MERGED} AND {condition}", params)


def by_health_card(organization, numbers):
    """Key: (province, number)."""
    condition, params = any_of("c.number", numbers)
    rows = _select(organization, "c.province, c.number", condition, params, join_cards=True)
    return [(pk, number, given, family, (province, card)) for pk, number, given, family, province, card in rows]


def by_phone(organization, phones):
    condition, params = any_of("p.phone", phones)
    return _select(organization, "p.phone", condition, params, statuses=ACTIVE_OR_LEAD)


FAMILY_AND_BIRTH_DATE = (operator.itemgetter(0), operator.itemgetter(1))  # the two arrays of the pairs


def by_family_name_and_birth_date(organization, pairs):
    """Key: (folded family name, date of birth). PostgreSQL matches the pairs themselves through the
    (organization, family name, date of birth) index; elsewhere both lists narrow and the caller
    keeps the pairs that match."""
    pairs = list(pairs)
    if connection.vendor == "postgresql":
        condition = "(p.family_name_key, p.date_of_birth) IN (SELECT * FROM unnest(%s::varchar[], %s::date[]))"
        params = arrays_of(pairs, *FAMILY_AND_BIRTH_DATE)
    else:
        family_sql, family_params = any_of("p.family_name_key", {k for k, _ in pairs})
        birth_sql, birth_params = any_of("p.date_of_birth", {d for _, d in pairs})
        condition, params = f"{family_sql} AND {birth_sql}", family_params + birth_params
    rows = _select(organization, "p.family_name_key, p.date_of_birth", condition, params, statuses=ACTIVE_OR_LEAD)
    date_field = Patient._meta.get_field("date_of_birth")
    return [(pk, number, given, family, (key, date_field.to_python(born)))
            for pk, number, given, family, key, born in rows]
