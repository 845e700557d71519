"""Reads on a PostgreSQL streaming replica (`REPLICA_DATABASE_URL` adds the "replica" alias).

Only the reads that tolerate a moment of lag go there, chosen per view: searches and lists (API
search, front-desk search, admin changelist, FHIR searches, the duplicates worklist). Everything
else, and every write, stays on the primary ("default").

    from config.replica import read_database, reading_from_replica

    patients = search_patients(org, q).using(read_database(request))   # lazy querysets, templates
    with reading_from_replica(request):                                  # or: every read in a block
        rows = list(search_patients(org, q)[:26])

The primary is used instead when:
- the request's session or API key wrote in the last `REPLICA_READ_YOUR_WRITES_SECONDS` (10):
  a front-desk user who just registered a patient finds it at once (a mark in the cache, set by
  ReadYourWritesMiddleware after a successful non-GET request; no database query);
- the request is not a GET/HEAD, or the primary's connection is inside a transaction;
- the replica cannot be reached: a warning is logged, and the replica is not tried again for
  `REPLICA_RETRY_SECONDS` (5) in this process. A replica failure never fails a request.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

logger = logging.getLogger(__name__)

_reading_from: ContextVar[str | None] = ContextVar("reading_from", default=None)
_down_until = 0.0  # monotonic time before which this process does not try the replica again


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and getattr(settings, "READ_FROM_REPLICA", True)


def _write_marks(request) -> list[str]:
    marks = []
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        marks.append(f"replica:wrote:session:{session.session_key}")
    auth = getattr(request, "auth", None)  # DRF puts the API key (or patient token) on the request
    if auth is not None and getattr(auth, "pk", None) is not None:
        marks.append(f"replica:wrote:{type(auth).__name__}:{auth.pk}")
    return marks


def mark_wrote(request):
    """Send this session's and this API key's reads to the primary for a little while."""
    marks = _write_marks(request)
    if marks:
        seconds = getattr(settings, "REPLICA_READ_YOUR_WRITES_SECONDS", 10)
        cache.set_many(dict.fromkeys(marks, True), timeout=seconds)


def wrote_recently(request) -> bool:
    marks = _write_marks(request)
    return bool(marks) and bool(cache.get_many(marks))


def replica_reachable() -> bool:
    global _down_until
    if time.monotonic() < _down_until:
        return False
    connection = connections[REPLICA]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()  # a kept connection the standby dropped (restart, failover): reconnect
        connection.ensure_connection()
    except DatabaseError as exc:
        _down_until = time.monotonic() + getattr(settings, "REPLICA_RETRY_SECONDS", 5)
        logger.warning("Read replica unavailable, reading from the primary: %s", str(exc).strip())
        return False
    return True


def read_database(request=None) -> str:
    """The alias a lag-tolerant read of this request goes to: "replica", or "default" (see above)."""
    if not replica_configured():
        return DEFAULT_DB_ALIAS
    if request is not None and (request.method not in SAFE_METHODS or wrote_recently(request)):
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA if replica_reachable() else DEFAULT_DB_ALIAS


@contextmanager
def reading_from_replica(request=None):
    """Every read inside the block goes where read_database(request) says; writes to the primary."""
    token = _reading_from.set(read_database(request))
    try:
        yield
    finally:
        _reading_from.reset(token)


class ReplicaRouter:
    """Writes and migrations: the primary. Reads: the primary, except inside reading_from_replica()
    (a queryset pinned with .using() keeps its alias, and so do rows read from it)."""

    def db_for_read(self, model, **hints):
        return _reading_from.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReadYourWritesMiddleware:
    """After a successful request that may have written, mark its session and API key (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400 and replica_configured():
            mark_wrote(request)
        return response
