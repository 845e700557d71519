"""What the import asks the database about a batch of rows: one query per kind of key.

Raw SQL with a single array parameter on PostgreSQL (`= ANY(%s)`): a query with thousands of
placeholders costs more to send than the lookup itself, and the phone field's own ORM lookup
parses every number again. Each function answers (patient id, patient number, given name,
family name, key) tuples; the key is what matched.
"""

from django.db import connection

from patients.models import HealthCard, Patient

ACTIVE_OR_LEAD = (Patient.Status.ACTIVE.value, Patient.Status.LEAD.value)


def _any(column: str, values) -> tuple[str, list]:
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


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
        status_sql, status_params = _any("p.status", statuses)
        sql += f" AND {status_sql}"
        params += status_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    to_uuid = Patient._meta.pk.to_python
    return [(to_uuid(pk), *rest) for pk, *rest in rows]


def by_email(organization, emails):
    """Emails are compared lower-cased, as the unique constraint does (and its index answers)."""
    condition, params = _any("LOWER(p.email)", emails)
    return _select(organization, "LOWER(p.email)", f"p.email <> '' AND {condition}", params)


def by_emr_id(organization, emr_ids):
    condition, params = _any("p.emr_id", emr_ids)
    return _select(organization, "p.emr_id", condition, params)


def by_health_card(organization, numbers):
    """Key: (province, number)."""
    condition, params = _any("c.number", numbers)
    rows = _select(organization, "c.province, c.number", condition, params, join_cards=True)
    return [(pk, number, given, family, (province, card)) for pk, number, given, family, province, card in rows]


def by_phone(organization, phones):
    condition, params = _any("p.phone", phones)
    return _select(organization, "p.phone", condition, params, statuses=ACTIVE_OR_LEAD)


def by_family_name_and_birth_date(organization, pairs):
    """Key: (folded family name, date of birth). PostgreSQL matches the pairs themselves through the
    (organization, family name, date of birth) index; elsewhere both lists narrow and the caller
    keeps the pairs that match."""
    pairs = list(pairs)
    if connection.vendor == "postgresql":
        condition = "(p.family_name_key, p.date_of_birth) IN (SELECT * FROM unnest(%s::varchar[], %s::date[]))"
        params = [[k for k, _ in pairs], [d for _, d in pairs]]
    else:
        family_sql, family_params = _any("p.family_name_key", {k for k, _ in pairs})
        birth_sql, birth_params = _any("p.date_of_birth", {d for _, d in pairs})
        condition, params = f"{family_sql} AND {birth_sql}", family_params + birth_params
    rows = _select(organization, "p.family_name_key, p.date_of_birth", condition, params, statuses=ACTIVE_OR_LEAD)
    date_field = Patient._meta.get_field("date_of_birth")
    return [(pk, number, given, family, (key, date_field.to_python(born)))
            for pk, number, given, family, key, born in rows]
