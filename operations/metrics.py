"""Prometheus metrics: HTTP latency by route and status, the task queue's depth, and the scrape.

The domain's counters (registrations, refusals, promotions, ...) live in patients/metrics.py,
next to the services that count them. Labels are bounded: a route is a URL pattern's name, never
a path, so no id or searched name ever becomes a label.

Several gunicorn workers: set `PROMETHEUS_MULTIPROC_DIR` (an empty directory, wiped at each start)
in the environment of gunicorn; every worker then writes its samples there and a scrape, whichever
worker answers it, adds them all up (deploy/gunicorn.conf.py marks dead workers).
"""

import hmac
import os

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REQUEST_LATENCY = Histogram(
    "intake_http_request_duration_seconds",
    "Time to answer a request, by method, route (URL pattern name) and status; _count is the request count.",
    ["method", "route", "status"],
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(method, route, str(status)).observe(seconds)


class TaskQueueCollector:
    """Task rows by status, counted when Prometheus scrapes (one GROUP BY on the task table)."""

    def collect(self):
        depth = GaugeMetricFamily(
            "intake_task_queue_depth", "Background task rows by status (django_tasks_db).", labels=["status"]
        )
        try:
            from django_tasks_db.models import DBTaskResult
        except ImportError:  # pragma: no cover - django_tasks_db is a requirement
            return
        counts = dict.fromkeys(("READY", "RUNNING", "FAILED", "SUCCESSFUL"), 0)
        for row in DBTaskResult.objects.order_by().values("status").annotate(n=Count("pk")):
            counts[row["status"]] = row["n"]
        for status, count in counts.items():
            depth.add_metric([status.lower()], count)
        yield depth


def registry() -> CollectorRegistry:
    """What a scrape shows: every worker's samples (multiprocess) or this process's, plus the queue."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
    else:
        combined = REGISTRY
    return combined


def authorized(request) -> bool:
    expected = settings.METRICS_TOKEN
    sent = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


def metrics_view(request):
    """`GET /metrics` with `Authorization: Bearer $METRICS_TOKEN`; 404 when no token is configured."""
    if not settings.METRICS_TOKEN:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if not authorized(request):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    queue = CollectorRegistry()
    queue.register(TaskQueueCollector())
    body = generate_latest(registry()) + generate_latest(queue)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
