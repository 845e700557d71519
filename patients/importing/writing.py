"""Writing a checked batch: what register_patient stores, in a few statements per batch."""

import json
import operator
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F

from organizations.models import Organization
from patients.actors import Actor
from patients.models import Patient
from patients.services import MODEL_FIELDS

HISTORY_EXTRA_COLUMNS = (
    "history_date", "history_change_reason", "history_type", "history_user_id", "history_actor", "history_channel",
)


def allocate_numbers(organization, count: int) -> int:
    """The first of `count` new patient numbers, from the counter allocate_patient_number moves.
    The row lock the UPDATE takes lasts until commit, so other registrations wait for the block."""
    organizations = Organization.objects.filter(pk=organization.pk)
    organizations.update(last_patient_number=F("last_patient_number") + count)
    return organizations.values_list("last_patient_number", flat=True).get() - count + 1


class PatientRecords:
    """Column values (by attname) of new patients, as register_patient would store them."""

    def __init__(self, organization, actor: Actor, now):
        self.defaults = {f.attname: f.get_default() for f in Patient._meta.concrete_fields}
        self.defaults.update(
            organization_id=organization.pk, created_via=actor.channel,
            created_by_id=getattr(actor.user, "pk", None), created_by_api_key_id=getattr(actor.api_key, "pk", None),
            created_at=now, updated_at=now,
        )

    def record(self, values: dict, *, as_lead: bool, search_name: str, family_name_key: str, id=None) -> dict:
        record = self.defaults.copy()
        for name, value in values.items():
            if name in MODEL_FIELDS:
                record[name] = value
        record["id"] = id or uuid.uuid4()
        record["status"] = Patient.Status.LEAD if as_lead else Patient.Status.ACTIVE
        record["roles"] = values.get("roles") or ["patient"]
        record["meta"] = values.get("meta") or {}
        record["search_name"] = search_name
        record["family_name_key"] = family_name_key
        return record


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` random (version 4) UUIDs, as uuid4() makes them, from one read of the system's randomness."""
    randomness = os.urandom(16 * count)
    return [uuid.UUID(bytes=randomness[i:i + 16], version=4) for i in range(0, 16 * count, 16)]


def write_rows(connection, model, records: list[dict]):
    """Insert `records` (column values by attname): COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        model.objects.using(connection.alias).bulk_create([model(**r) for r in records], batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in records[0]]
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    values_of = operator.itemgetter(*attnames)
    json_positions = [i for i, a in enumerate(attnames) if a in json_fields]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for record in records:
                row = list(values_of(record)) if len(attnames) > 1 else [values_of(record)]
                for i in json_positions:
                    row[i] = _json_text(row[i])
                copy.write_row(row)


def _json_text(value) -> str:
    # What almost every imported patient has, without json.dumps each time.
    if type(value) is list and value == ["patient"]:
        return '["patient"]'
    if type(value) is dict and not value:
        return "{}"
    return json.dumps(value)


def copy_to_history(connection, model, key_column: str, ids: list, now, reason: str, actor: Actor):
    """One history row ("created") per row just inserted, copied in SQL from the rows themselves,
    with the actor's label and channel as the history signal would set them."""
    history = model.history.model
    q = connection.ops.quote_name
    tracked = ", ".join(q(f.column) for f in history._meta.concrete_fields
                        if f.column != "history_id" and f.column not in HISTORY_EXTRA_COLUMNS)
    key = Patient._meta.pk
    prepped = [key.get_db_prep_value(i, connection) for i in ids]
    if connection.vendor == "postgresql":
        where, where_params = f"{q(key_column)} = ANY(%s)", [prepped]
    else:
        where, where_params = f"{q(key_column)} IN ({', '.join(['%s'] * len(ids))})", prepped
    sql = (
        f"INSERT INTO {q(history._meta.db_table)} ({tracked}, {', '.join(map(q, HISTORY_EXTRA_COLUMNS))}) "
        f"SELECT {tracked}, %s, %s, %s, %s, %s, %s FROM {q(model._meta.db_table)} WHERE {where}"
    )
    date = history._meta.get_field("history_date").get_db_prep_value(now, connection)
    params = [date, reason, "+", getattr(actor.user, "pk", None), actor.label[:200], actor.channel, *where_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class BatchWriter:
    """Runs batch writes on the importer's connection, inside its transaction.

    On PostgreSQL the writes run in a second thread while the importer checks the next batch
    (Python work), so the database stores one batch while the next is read: the importer never
    uses the connection at the same time (it calls wait() before its own queries). Elsewhere
    (SQLite in development) the writes run inline.
    """

    def __init__(self, using=DEFAULT_DB_ALIAS):
        self.connection = connections[using]
        self.threaded = self.connection.vendor == "postgresql"
        self._pool = None
        self._pending = None

    def __enter__(self):
        if self.threaded:
            self.connection.inc_thread_sharing()
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patient-import")
        return self

    def submit(self, write, *args):
        self.wait()
        if self.threaded:
            self._pending = self._pool.submit(write, self.connection, *args)
        else:
            write(self.connection, *args)

    def wait(self):
        """Until the last batch is stored; raises what storing it raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self.wait()
        finally:
            if self.threaded:
                self._pool.shutdown(wait=True)  # never leave the transaction with a write under way
                self.connection.dec_thread_sharing()
