"""What a Patient resource shows besides its own row, read for a whole page at once.

Providers and verification statuses come from `load_link_summaries`, the statement the v1 API's
search uses; the records merged into each patient and its current version (from history, as
`versions.current_versions` reads it) from one more statement. Four ORM prefetches and the version
query cost a search page more CPU than its mapping (bench/findings.md, issue 15).
"""

from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC

from django.db import connections
from django.utils.dateparse import parse_datetime

from patients.fhir.mapping import Version
from patients.models import Patient
from patients.selectors import load_link_summaries

ShownProvider = namedtuple("ShownProvider", "pk name")


@dataclass
class Shown:
    version: Version
    providers: list = field(default_factory=list)  # ShownProvider, by name
    verifications: dict = field(default_factory=dict)  # {channel: status}
    replaces: list = field(default_factory=list)  # ids of the records merged into it, oldest first


def load_shown(patients, using: str) -> None:
    """Give each of `patients` its `shown` (see Shown), in two statements."""
    patients = list(patients)
    if not patients:
        return
    load_link_summaries(patients, using=using)
    versions, replaces = _versions_and_merged(patients, using)
    for patient in patients:
        summary = patient.link_summary
        patient.shown = Shown(
            version=versions.get(patient.pk) or Version(None, patient.updated_at),
            providers=[ShownProvider(pk, name) for pk, name in zip(summary.provider_ids, summary.provider_names,
                                                                   strict=True)],
            verifications=summary.verification_statuses,
            replaces=replaces.get(patient.pk, []),
        )


def _versions_and_merged(patients, using):
    connection = connections[using]
    qn = connection.ops.quote_name
    pk = Patient._meta.pk
    ids = [pk.get_db_prep_value(p.pk, connection) for p in patients]
    marks = ", ".join(["%s"] * len(ids))
    history = qn(Patient.history.model._meta.db_table)
    table = qn(Patient._meta.db_table)
    sql = (f"SELECT 'v', {qn('id')}, CAST(MAX({qn('history_id')}) AS VARCHAR(40)), MAX({qn('history_date')}) "
           f"FROM {history} WHERE {qn('id')} IN ({marks}) GROUP BY {qn('id')} UNION ALL "
           f"SELECT 'm', {qn('merged_into_id')}, CAST({qn('id')} AS VARCHAR(40)), {qn('created_at')} "
           f"FROM {table} WHERE {qn('merged_into_id')} IN ({marks}) ORDER BY 1, 4")
    versions, replaces = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, ids * 2)
        for kind, patient_id, value, moment in cursor.fetchall():
            patient_id = pk.to_python(patient_id)
            if kind == "v":
                versions[patient_id] = Version(int(value), _aware(moment))
            else:
                replaces.setdefault(patient_id, []).append(pk.to_python(value))
    return versions, replaces


def _aware(moment):
    """A timestamp read by a bare cursor: SQLite gives its stored text (UTC), PostgreSQL a datetime."""
    if isinstance(moment, str):
        moment = parse_datetime(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
