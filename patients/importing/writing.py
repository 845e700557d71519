"""Writing a checked batch: what register_patient stores, in a few statements per batch."""

import json
import operator
import os
import sys
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connections, router
from psycopg.adapt import Transformer

from organizations.models import Organization
from patients.actors import Actor
from patients.importing.lookups import arrays_of
from patients.models import Patient
from patients.services import MODEL_FIELDS

try:  # psycopg's own COPY text formatting (C), used to format rows before their COPY, in the reading thread
    from psycopg._copy_base import format_row_text
except ImportError:  # pragma: no cover - another psycopg: rows are formatted as they are written
    format_row_text = None

HISTORY_EXTRA_COLUMNS = (
    "history_date", "history_change_reason", "history_type", "history_user_id", "history_actor", "history_channel",
)


def allocate_numbers(organization, count: int) -> int:
    """The first of `count` new patient numbers, from the counter allocate_patient_number moves.
    The row lock the UPDATE takes lasts until commit, so other registrations wait for the block.
    One statement, as allocate_patient_number does (UPDATE ... RETURNING)."""
    connection = connections[router.db_for_write(Organization)]
    table = connection.ops.quote_name(Organization._meta.db_table)
    column = connection.ops.quote_name("last_patient_number")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + %s WHERE id = %s RETURNING {column}",
            [count, Organization._meta.pk.get_db_prep_value(organization.pk, connection)],
        )
        return cursor.fetchone()[0] - count + 1


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


class TableRows:
    """New rows of one table (column values by attname), written with write().

    With a `transformer` (PostgreSQL), each row is formatted for COPY as it is added, by psycopg's
    own formatter, so the thread that writes only sends bytes; else the values are kept for
    write_rows. `numbered_by` is a column whose values are given only to write() (patient numbers
    are taken when the batch is written): it goes last in the COPY.
    """

    def __init__(self, model, attnames: list[str], transformer=None, *, numbered_by: str | None = None):
        self.model = model
        self.attnames = [a for a in attnames if a != numbered_by]
        self.numbered_by = numbered_by
        self.transformer = transformer if format_row_text is not None else None
        self.formatted = self.transformer is not None
        self.records: list[dict] = []
        self.data = bytearray()  # COPY text
        self.ends: list[int] = []  # where each row's line ends in `data`, when numbered
        self.count = 0
        self._values_of = operator.itemgetter(*self.attnames)
        json_fields = {f.attname for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"}
        self._json_positions = [i for i, a in enumerate(self.attnames) if a in json_fields]

    def add(self, record: dict):
        self.count += 1
        if not self.formatted:
            self.records.append(record)
            return
        values = list(self._values_of(record)) if len(self.attnames) > 1 else [self._values_of(record)]
        for i in self._json_positions:
            values[i] = _json_text(values[i])
        format_row_text(values, self.transformer, self.data)
        if self.numbered_by:
            self.ends.append(len(self.data))

    def write(self, connection, numbers: list | None = None):
        """Insert the rows; `numbers` (one per row, None for none) fills the `numbered_by` column."""
        if not self.count:
            return
        if not self.formatted:
            if self.numbered_by:
                for record, number in zip(self.records, numbers, strict=True):
                    record[self.numbered_by] = number
            write_rows(connection, self.model, self.records)
            return
        attnames = [*self.attnames, self.numbered_by] if self.numbered_by else self.attnames
        fields = {f.attname: f for f in self.model._meta.concrete_fields}
        columns = ", ".join(connection.ops.quote_name(fields[a].column) for a in attnames)
        payload = _with_last_column(self.data, self.ends, numbers) if self.numbered_by else self.data
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor, connection.wrap_database_errors:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(payload)


def copy_transformer(connection):
    """What TableRows formats values with: the connection's own adapters, as its COPY uses them."""
    if connection.vendor != "postgresql" or format_row_text is None:
        return None
    connection.ensure_connection()
    return Transformer(connection.connection)


def _with_last_column(data: bytearray, ends: list[int], values: list) -> bytes:
    view, parts, start = memoryview(data), [], 0
    for end, value in zip(ends, values, strict=True):
        parts.append(view[start:end - 1])  # the line without its newline
        parts.append(b"\t\\N\n" if value is None else b"\t%d\n" % value)
        start = end
    return b"".join(parts)


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
    if connection.vendor == "postgresql":  # see lookups.any_of: the array through a sub-select
        where, where_params = f"{q(key_column)} = ANY(ARRAY(SELECT unnest(%s::uuid[])))", arrays_of(ids)
    else:
        where = f"{q(key_column)} IN ({', '.join(['%s'] * len(ids))})"
        where_params = [key.get_db_prep_value(i, connection) for i in ids]
    sql = (
        f"INSERT INTO {q(history._meta.db_table)} ({tracked}, {', '.join(map(q, HISTORY_EXTRA_COLUMNS))}) "
        f"SELECT {tracked}, %s, %s, %s, %s, %s, %s FROM {q(model._meta.db_table)} WHERE {where}"
    )
    date = history._meta.get_field("history_date").get_db_prep_value(now, connection)
    params = [date, reason, "+", getattr(actor.user, "pk", None), actor.label[:200], actor.channel, *where_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class BatchWriter:
    """Runs the importer's batch jobs (compare with the database, then store) on its connection,
    inside its transaction, one at a time and in order.

    On PostgreSQL the jobs run in a second thread while the importer reads and checks the next
    rows (Python work), so the database is kept busy: that thread is given the importer's
    connection as its own, and the importer does not use the connection until wait() returns.
    At most `depth` batches are under way, which bounds memory. Elsewhere (SQLite in development)
    the jobs run inline.

    While the jobs run, the interpreter switches threads more often (SWITCH_INTERVAL): a job waits
    for the checking thread to let go of the GIL after every round trip to the database, up to the
    default 5 ms each time, which left the database idle for a third of the import.

    Foreign keys are checked as each batch is written (SET CONSTRAINTS ALL IMMEDIATE) rather than
    all at commit, when nothing else can happen meanwhile (a fifth of the database's work); the
    checks and the all-or-nothing outcome are the same.
    """

    SWITCH_INTERVAL = 0.0005

    def __init__(self, using=DEFAULT_DB_ALIAS, depth: int = 2):
        self.alias = using
        self.connection = connections[using]
        self.threaded = self.connection.vendor == "postgresql"
        self.depth = depth
        self._pool = None
        self._pending: deque = deque()
        self._switch_interval = None
        self.transformer = None  # for TableRows, on PostgreSQL

    def __enter__(self):
        self.transformer = copy_transformer(self.connection)
        if self.threaded:
            with self.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.connection.inc_thread_sharing()
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patient-import",
                                            initializer=self._share_connection)
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_interval, self.SWITCH_INTERVAL))
        return self

    def _share_connection(self):
        connections[self.alias] = self.connection  # this thread's ORM and cursors use the import's transaction

    def submit(self, job, *args):
        if not self.threaded:
            job(*args)
            return
        while len(self._pending) >= self.depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(job, *args))

    def wait(self):
        """Until every job submitted is done; raises what the first failed one raised."""
        while self._pending:
            self._pending.popleft().result()

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self.wait()
        finally:
            if self.threaded:
                self._pool.shutdown(wait=True)  # never leave the transaction with a job under way
                self._pending.clear()
                self.connection.dec_thread_sharing()
                sys.setswitchinterval(self._switch_interval)
        if self.threaded and exc_type is None and not self.connection.needs_rollback:
            # Back to deferred, as Django's constraints are, for the rest of an enclosing transaction
            # (rolling back restores it by itself).
            with self.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
