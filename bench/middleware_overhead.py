"""What the request middleware (id, JSON access line, latency metric) costs per request, in-process.

    DJANGO_SETTINGS_MODULE=config.test_settings python -m bench.middleware_overhead [--requests 2000]

Builds a throw-away test database (SQLite unless DATABASE_URL says otherwise), registers a patient,
then times the same requests through Django's test client with the middleware and without it,
alternating rounds, and prints the fastest round's time per request of each and the difference in %,
then the middleware's own cost around a view that does nothing.
The access lines are formatted as in production and written to /dev/null.
"""

import argparse
import logging
import os
import time

import django


def _time(client, url, headers, count) -> float:
    started = time.perf_counter()
    for _ in range(count):
        client.get(url, **headers)
    return (time.perf_counter() - started) / count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per variant (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    from operations.logging import JsonFormatter, RequestContextFilter
    from organizations.services import issue_api_key
    from patients.actors import SYSTEM
    from patients.services import register_patient
    from tests.factories import OrganizationFactory

    setup_test_environment()
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - for the life of the run
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("django.request").setLevel(logging.ERROR)

    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        organization = OrganizationFactory(slug="bench")
        _, raw = issue_api_key(organization, name="bench")
        patient = register_patient(organization, {
            "given_name": "Ana", "family_name": "Silva", "gender": "female", "date_of_birth": "1985-04-12",
            "phone": "416 555 0134", "email": "ana@example.com"}, actor=SYSTEM)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        with_mw = list(settings.MIDDLEWARE)
        without = [m for m in with_mw if m != "operations.middleware.RequestMiddleware"]
        scenarios = {"health/live": ("/health/live", {}),
                     "api patient read": (f"/api/v1/patients/{patient.pk}", headers)}
        for name, (url, extra) in scenarios.items():
            timings = {"with": [], "without": []}
            for _ in range(args.rounds):
                for variant, middleware in (("without", without), ("with", with_mw)):
                    with override_settings(MIDDLEWARE=middleware):
                        client = Client()
                        _time(client, url, extra, 50)  # warm up
                        timings[variant].append(_time(client, url, extra, args.requests // args.rounds))
            # The fastest round of each: the machine's other load only ever adds time.
            plain, measured = min(timings["without"]), min(timings["with"])
            print(f"{name}: without {plain * 1e6:.0f} µs, with {measured * 1e6:.0f} µs per request "
                  f"({(measured - plain) / plain * 100:+.1f} %, {(measured - plain) * 1e6:+.0f} µs)")
        alone = _middleware_alone(args.requests)
        print(f"the middleware alone (id, metric, JSON access line): {alone * 1e6:.1f} µs per request")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _middleware_alone(count) -> float:
    """The middleware around a view that does nothing, minus the bare view: its own cost."""
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from operations.middleware import RequestMiddleware

    def view(request):
        request.resolver_match = match
        return HttpResponse("ok")

    match = resolve("/health/live")
    wrapped = RequestMiddleware(view)
    requests = [RequestFactory().get("/health/live") for _ in range(count)]
    best = {}
    for name, handler in (("bare", view), ("wrapped", wrapped)) * 3:
        started = time.perf_counter()
        for request in requests:
            handler(request)
        elapsed = (time.perf_counter() - started) / count
        best[name] = min(best.get(name, elapsed), elapsed)
    return best["wrapped"] - best["bare"]


if __name__ == "__main__":
    main()
