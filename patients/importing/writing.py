"""Writing a checked batch: what register_patient stores, in a few statements per batch."""

import json
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

    def record(self, values: dict, *, as_lead: bool, search_name: str, family_name_key: str) -> dict:
        record = dict(self.defaults)
        record.update({f: values[f] for f in MODEL_FIELDS if f in values})
        record.update(
            id=uuid.uuid4(), status=Patient.Status.LEAD if as_lead else Patient.Status.ACTIVE,
            roles=values.get("roles") or ["patient"], meta=values.get("meta") or {},
            search_name=search_name, family_name_key=family_name_key,
        )
        return record


def write_rows(connection, model, records: list[dict]):
    """Insert `records` (column values by attname): COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        model.objects.using(connection.alias).bulk_create([model(**r) for r in records], batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in records[0]]
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([json.dumps(record[a]) if a in json_fields else record[a] for a in attnames])


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
