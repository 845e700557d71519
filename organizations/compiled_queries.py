"""A lookup the ORM compiles once per process and database, then runs with new values.

Compiling a queryset (filters, joins, `select_related`) costs more CPU than running it: the API-key
lookup behind every API request spent 0.37 ms of its 0.65 ms there (bench/findings.md). The
queryset is still written with the ORM, so its rules stay where they are (`ApiKey.objects.usable()`);
only its SQL and the compiler that turns rows into models are kept.
"""

import uuid
from datetime import datetime

from django.db import connections, models
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
    """One model's single-row INSERT (with RETURNING what the model reads back), compiled by the ORM
    once per database and list of fields; each row's values still go through the ORM's own
    preparation (`pre_save`, `get_db_prep_save`) and the returned values through its converters, so
    a row is written and read back as `Model.save()` writes it."""

    def __init__(self, model):
        self.model = model
        self._compiled = {}

    def _compile(self, compiler, fields, returning_fields):
        compiler.returning_fields = returning_fields
        [(sql, _)] = compiler.as_sql()
        if "VALUES (" + ", ".join(["%s"] * len(fields)) + ")" not in sql:
            return None  # a field with its own placeholder: leave the row to the ORM
        table = self.model._meta.db_table
        return {"sql": sql, "returning_params": tuple(compiler.returning_params or ()),
                "converters": compiler.get_converters([f.get_col(table) for f in returning_fields])}

    def insert(self, obj, using: str, fields, returning_fields):
        """Insert `obj` and return the returned values' rows as the ORM's insert does; None when the
        row must be left to the ORM (an expression among its values, a database that cannot RETURN)."""
        connection = connections[using]
        if returning_fields and not connection.features.can_return_columns_from_insert:
            return None
        key = (using, tuple(fields), tuple(returning_fields))
        compiled = self._compiled.get(key)
        if compiled is None:
            query = InsertQuery(self.model)
            query.insert_values(fields, [obj])
            compiler = query.get_compiler(using=using)
        else:
            compiler = compiled["compiler"]
        values = [compiler.pre_save_val(f, obj) for f in fields]
        if any(hasattr(v, "resolve_expression") for v in values):  # e.g. a db_default left to the database
            return None
        if compiled is None:
            compiled = self._compile(compiler, fields, returning_fields)
            if compiled is None:
                return None
            compiled["compiler"] = compiler
            self._compiled[key] = compiled
        params = [compiler.prepare_value(f, v) for f, v in zip(fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(compiled["sql"], (*params, *compiled["returning_params"]))
            if not returning_fields:
                return []
            rows = [connection.ops.fetch_returned_insert_columns(cursor, compiled["returning_params"])]
        if compiled["converters"]:
            rows = compiler.apply_converters(rows, compiled["converters"])
        return list(rows)


class InsertsCompiledOnce(models.Model):
    """A model whose new rows go in through a CompiledInsert: `save()` runs as always (signals,
    defaults, history), only the INSERT's SQL is not compiled again for every row."""

    class Meta:
        abstract = True

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        cls = type(self)
        inserter = cls.__dict__.get("_compiled_insert")
        if inserter is None:
            inserter = cls._compiled_insert = CompiledInsert(cls)
        rows = None if raw else inserter.insert(self, using, fields, returning_fields)
        if rows is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        return rows
