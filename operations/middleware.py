"""One middleware for every request: its id, one JSON access line, and its latency metric.

It reads only what the request already holds (no database query, nothing of the query string) and
adds a few microseconds; see tests/operations/test_middleware_overhead.py.
"""

import logging
import time

from operations import metrics, requests
from operations.requests import REQUEST_ID_HEADER

access_log = logging.getLogger("intake.access")


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        requests.begin(request)  # ended when the answer is closed (request_finished)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = requests.route_of(request)
        response[REQUEST_ID_HEADER] = request.request_id
        metrics.observe_request(request.method, route, response.status_code, elapsed)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s", request.method, route, response.status_code,
                extra={"method": request.method, "path": request.path, "route": route,
                       "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)},
            )
        return response
