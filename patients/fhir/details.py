"""What a Patient resource shows besides its own row, read for a whole page at once.

Providers and verification statuses come from `load_link_summaries`, the statement the v1 API's
search uses; the records merged into each patient and its current version (from history, as
`versions.current_versions` reads it) are read in that same statement. Four ORM prefetches and the
version query cost a search page more CPU than its mapping (bench/findings.md, issue 15).
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
    """Give each of `patients` its `shown` (see Shown), in one statement."""
    patients = list(patients)
    if not patients:
        return
    versions, replaces = {}, {}
    for kind, patient_id, value, moment in load_link_summaries(patients, using=using,
                                                               also=_versions_and_merged(patients, using)):
        patient_id = Patient._meta.pk.to_python(patient_id)
        if kind == "h":
            versions[patient_id] = Version(int(value), _aware(moment))
        else:
            replaces.setdefault(patient_id, []).append((_aware(moment), Patient._meta.pk.to_python(value)))
    for patient in patients:
        summary = patient.link_summary
        patient.shown = Shown(
            version=versions.get(patient.pk) or Version(None, patient.updated_at),
            providers=[ShownProvider(pk, name) for pk, name in zip(summary.provider_ids, summary.provider_names,
                                                                   strict=True)],
            verifications=summary.verification_statuses,
            replaces=[merged_id for _, merged_id in sorted(replaces.get(patient.pk, []))],
        )


def _versions_and_merged(patients, using) -> tuple[str, list]:
    """Rows of load_link_summaries' four columns: ('h', id, last history id, its date) and
    ('m', survivor id, merged record id, its creation), dates as text."""
    connection = connections[using]
    qn = connection.ops.quote_name
    ids = [Patient._meta.pk.get_db_prep_value(p.pk, connection) for p in patients]
    marks = ", ".join(["%s"] * len(ids))
    history = qn(Patient.history.model._meta.db_table)
    table = qn(Patient._meta.db_table)
    sql = (f"SELECT 'h', {qn('id')}, CAST(MAX({qn('history_id')}) AS VARCHAR(40)), "
           f"CAST(MAX({qn('history_date')}) AS VARCHAR(40)) FROM {history} WHERE {qn('id')} IN ({marks}) "
           f"GROUP BY {qn('id')} UNION ALL "
           f"SELECT 'm', {qn('merged_into_id')}, CAST({qn('id')} AS VARCHAR(40)), "
           f"CAST({qn('created_at')} AS VARCHAR(40)) FROM {table} WHERE {qn('merged_into_id')} IN ({marks})")
    return sql, ids * 2


def _aware(moment: str):
    """A timestamp read as text: PostgreSQL's in the connection's time zone (UTC, with its offset),
    SQLite's as stored (UTC, naive)."""
    moment = parse_datetime(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
