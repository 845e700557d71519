"""A lookup the ORM compiles once per process and database, then runs with new values.

Compiling a queryset (filters, joins, `select_related`) costs more CPU than running it: the API-key
lookup behind every API request spent 0.37 ms of its 0.65 ms there (bench/findings.md). The
queryset is still written with the ORM, so its rules stay where they are (`ApiKey.objects.usable()`);
only its SQL and the compiler that turns rows into models are kept.
"""

import uuid
from datetime import datetime

from django.db import connections
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery


def _as_sent(connection, value):
    """`value` as the ORM hands it to the database driver (SQLite gets datetimes and UUIDs as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, uuid.UUID) and not connection.features.has_native_uuid_field:
        return value.hex
    return value


class CompiledLookup:
    """`build(**markers)` returns the queryset; `first(**values)` runs it with `values` in place of the
    markers and returns its first model (with what `select_related` joined), or None.

    `markers`: a stand-in value per name, one no query would otherwise hold: a string, a UUID or an
    aware datetime, the types sent as given (adapted as the ORM adapts them). Each must appear
    among the compiled parameters exactly once, or compiling refuses.
    """

    def __init__(self, build, **markers):
        self.build, self.markers = build, markers
        self._compiled = {}

    def _compile(self, alias: str):
        markers = self.markers
        queryset = self.build(**markers).using(alias)[:1]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = {}
        for name, marker in markers.items():
            sent = _as_sent(connections[alias], marker)
            found = [i for i, p in enumerate(params) if type(p) is type(sent) and p == sent]
            if len(found) != 1:
                raise ValueError(f"{name!r} appears {len(found)} times among the compiled parameters")
            positions[name] = found[0]
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        compiled = {
            "sql": sql, "params": list(params), "positions": positions, "model": klass_info["model"],
            "start": start, "end": end, "compiler": compiler,
            "init_list": [f[0].target.attname for f in select[start:end]],
            "populators": get_related_populators(klass_info, select, alias),
            "converters": compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
        }
        self._compiled[alias] = compiled
        return compiled

    def first(self, *, using: str, **values):
        c = self._compiled.get(using) or self._compile(using)
        params = list(c["params"])
        for name, value in values.items():
            params[c["positions"][name]] = _as_sent(connections[using], value)
        with connections[using].cursor() as cursor:
            cursor.execute(c["sql"], params)
            rows = cursor.fetchmany(1)
        if not rows:
            return None
        if c["converters"]:
            rows = list(c["compiler"].apply_converters(rows, c["converters"]))
        row = rows[0]
        obj = c["model"].from_db(using, c["init_list"], row[c["start"] : c["end"]])
        for populator in c["populators"]:
            populator.populate(row, obj)
        return obj


class CompiledInsert:
    """One model's single-row `INSERT ... RETURNING` its primary key, compiled by the ORM once per
    database; each row's values still go through the ORM's own preparation (`pre_save`,
    `get_db_prep_save`), so a row reads back as `Model.save()` would have written it."""

    def __init__(self, model):
        self.model = model
        self._compiled = {}

    def _compile(self, obj, alias: str):
        meta = self.model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        query = InsertQuery(self.model)
        query.insert_values(fields, [obj])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = meta.db_returning_fields
        [(sql, _)] = compiler.as_sql()
        if "VALUES (" + ", ".join(["%s"] * len(fields)) + ")" not in sql:
            return None  # a field with its own placeholder: leave the row to Model.save()
        compiled = {"sql": sql, "fields": fields, "compiler": compiler,
                    "returning_params": tuple(compiler.returning_params)}
        self._compiled[alias] = compiled
        return compiled

    def insert(self, obj, using: str) -> bool:
        """Insert `obj` (a new row) and set its primary key; False when it must be saved the usual way."""
        connection = connections[using]
        if not connection.features.can_return_columns_from_insert:
            return False
        c = self._compiled[using] if using in self._compiled else self._compile(obj, using)
        if c is None:
            return False
        compiler = c["compiler"]
        params = [compiler.prepare_value(f, compiler.pre_save_val(f, obj)) for f in c["fields"]]
        with connection.cursor() as cursor:
            cursor.execute(c["sql"], (*params, *c["returning_params"]))
            returned = connection.ops.fetch_returned_insert_columns(cursor, c["returning_params"])
        for field, value in zip(self.model._meta.db_returning_fields, returned, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding, obj._state.db = False, using
        return True
