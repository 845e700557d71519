"""Backups that restore: `pg_dump` in its custom format, and `pg_restore` into a NEW database.

    python manage.py backup [--to DIR]                 (make backup BACKUP_DIR=...)
    python manage.py restore FILE --into NEW_DATABASE  (make restore BACKUP=... RESTORE_DATABASE=...)

Both use the connection of the `default` database (DATABASE_URL). A restore never writes into an
existing database: it creates NEW_DATABASE on the same server, restores into it, and leaves it to
the operator to point DATABASE_URL at it (or to rename it) once checked.
"""

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql


class BackupError(Exception):
    pass


def _database() -> dict:
    config = settings.DATABASES["default"]
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups use pg_dump: DATABASE_URL must name a PostgreSQL database.")
    return config


def _client_env(config) -> dict:
    env = dict(os.environ)
    for key, value in (("PGHOST", config.get("HOST")), ("PGPORT", config.get("PORT")),
                       ("PGUSER", config.get("USER")), ("PGPASSWORD", config.get("PASSWORD"))):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def backup(directory: Path, *, database: str | None = None) -> Path:
    """Dump the database (custom format, compressed) to DIR/intake-<name>-<UTC time>.dump."""
    config = _database()
    name = database or config["NAME"]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"intake-{name}-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.dump"
    partial = path.with_suffix(".partial")
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", name],
         _client_env(config))
    partial.rename(path)  # a file named .dump is always a complete one
    return path


def _maintenance_connection(config):
    return psycopg.connect(
        dbname="postgres", host=config.get("HOST") or None, port=config.get("PORT") or None,
        user=config.get("USER") or None, password=config.get("PASSWORD") or None, autocommit=True,
    )


def database_exists(name: str) -> bool:
    with _maintenance_connection(_database()) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def restore(path: Path, new_database: str) -> None:
    """Create `new_database` (refusing one that exists) and restore `path` into it."""
    config = _database()
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with _maintenance_connection(config) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [new_database]).fetchone():
            raise BackupError(f"The database {new_database} exists: restore only into a new database.")
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(new_database)))
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={new_database}", str(path)], _client_env(config))
