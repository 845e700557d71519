"""Database triggers that refuse UPDATE and DELETE on the access log, whatever the client.

Installed by migration 0002. On PostgreSQL TRUNCATE (a table owner's privilege, used by the
test suite's flush) is not blocked; revoke it from the application's role in production.
"""

TABLE = "access_log_accessevent"

POSTGRESQL_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION access_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'The access log is append-only: % refused', TG_OP;
    END
    $$
    """,
    f"""
    CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION access_log_refuse_change()
    """,
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS access_log_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS access_log_refuse_change()",
]

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS access_log_no_{op.lower()} BEFORE {op} ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'The access log is append-only: {op} refused'); END
    """
    for op in ("UPDATE", "DELETE")
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS access_log_no_{op}" for op in ("update", "delete")]

STATEMENTS = {
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE),
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
}


def _run(schema_editor, which):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return  # another database: the application-level guards still hold
    for sql in statements[which]:
        schema_editor.execute(sql, params=None)  # None: "%" in the SQL is no placeholder


def install(apps, schema_editor):
    _run(schema_editor, 0)


def remove(apps, schema_editor):
    _run(schema_editor, 1)
