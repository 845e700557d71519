"""gunicorn settings for Patient Intake: `gunicorn -c deploy/gunicorn.conf.py config.wsgi:application`
(deploy/intake-web.service runs exactly that). Environment: GUNICORN_BIND, GUNICORN_WORKERS,
PROMETHEUS_MULTIPROC_DIR (see README, Deploy)."""

import glob
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
timeout = 30
graceful_timeout = 30
max_requests = 10000  # recycle workers now and then
max_requests_jitter = 1000
# Only nginx on this host talks to gunicorn; it sets X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = "127.0.0.1"

# The app writes one JSON line per request itself (request id, route, status, no query string), so
# gunicorn's own access log stays off. If you turn it on (accesslog = "-"), keep this format: never
# %(r)s (the request line) or %(q)s (the query string), where a search puts names and phone numbers,
# nor %(f)s (the referrer: the previous page's address, query string included).
accesslog = None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
errorlog = "-"


def on_starting(server):
    """Several workers share their metrics through PROMETHEUS_MULTIPROC_DIR: start it empty."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for leftover in glob.glob(os.path.join(directory, "*.db")):
            os.remove(leftover)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
