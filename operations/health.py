"""`/health/live` and `/health/ready`, for load balancers and orchestrators (django-health-check's
checks, run one after the other in the request's own thread).

- live: 200 while the process answers requests; it touches nothing else.
- ready: 200 only when every database alias (the primary and any replica), the cache and the
  task backend answer and no migration is pending; otherwise 503 naming what failed.

Both answer JSON without credentials and show only check names and "ok" / "unavailable" /
"pending": never an error text (it may name a host), a version, a setting or any patient data.
"""

import asyncio
import dataclasses
import functools
import inspect
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable

logger = logging.getLogger(__name__)

OK, UNAVAILABLE, PENDING = "ok", "unavailable", "pending"


class MigrationsPending(HealthCheckException):
    message_type = PENDING


@functools.cache
def _migrations_on_disk() -> tuple[tuple, dict]:
    """(every migration of this code, squashed -> what it replaces); fixed for the life of the process."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(loader.graph.nodes), {key: tuple(m.replaces) for key, m in loader.replacements.items()}


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of the running code is applied to `alias` (one query on django_migrations)."""

    alias: str = "default"

    def run(self):
        nodes, replacements = _migrations_on_disk()
        try:
            applied = MigrationRecorder(connections[self.alias]).applied_migrations()
        except DatabaseError as exc:
            raise ServiceUnavailable("database unavailable") from exc
        for node in nodes:
            if node not in applied and not (node in replacements and all(r in applied for r in replacements[node])):
                raise MigrationsPending("migrations pending")


@dataclasses.dataclass
class TaskBackend(HealthCheck):
    """The default task backend loads and, when it keeps tasks in the database, its table answers."""

    def run(self):
        try:
            from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
            from django_tasks_db.backend import DatabaseBackend
            from django_tasks_db.models import DBTaskResult

            if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
                list(DBTaskResult.objects.order_by().values_list("pk", flat=True)[:1])
        except DatabaseError as exc:
            raise ServiceUnavailable("task table unavailable") from exc
        except Exception as exc:  # a backend that cannot even be loaded
            raise ServiceUnavailable("task backend unavailable") from exc


def readiness_checks() -> dict[str, HealthCheck]:
    checks: dict[str, HealthCheck] = {}
    for alias in settings.DATABASES:
        checks["database" if alias == "default" else f"database:{alias}"] = Database(alias=alias)
    checks["cache"] = Cache(alias="default")
    checks["tasks"] = TaskBackend()
    checks["migrations"] = Migrations(alias="default")
    return checks


def _run(check: HealthCheck) -> None:
    if not inspect.iscoroutinefunction(check.run):
        check.run()  # in the request's thread, on its database connection
        return
    # An async check (the cache's) gets its own event loop in a short-lived thread: the request's
    # thread may already run one (ASGI, or a test driving a browser).
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(asyncio.run, check.run()).result(timeout=check.timeout.total_seconds() + 1)
    finally:
        pool.shutdown(wait=False)


def run_check(name: str, check: HealthCheck) -> str:
    try:
        _run(check)
    except MigrationsPending:
        logger.warning("Readiness: migrations are pending.")
        return PENDING
    except Exception as exc:  # any failure means "not ready"; the text stays in our log, not the answer
        logger.warning("Readiness: %s failed (%s).", name, type(exc).__name__)
        return UNAVAILABLE
    return OK


def _answer(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


@require_GET
def live(request):
    return _answer({"status": OK}, 200)


@require_GET
def ready(request):
    results = {name: run_check(name, check) for name, check in readiness_checks().items()}
    healthy = all(result == OK for result in results.values())
    failed = sorted(name for name, result in results.items() if result != OK)
    body = {"status": OK if healthy else UNAVAILABLE, "checks": results}
    if failed:
        body["failed"] = failed
    return _answer(body, 200 if healthy else 503)
