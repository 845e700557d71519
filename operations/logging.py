"""JSON log lines that carry the request's id, organization, route and status, and nothing else
of the request.

Only the fields below are written: a record's other attributes (django.request attaches the
whole request, whose repr holds the query string) are never dumped. Query strings are cut from
request lines (django.server) and from messages, and a database error's DETAIL line (PostgreSQL
quotes the conflicting values there) is dropped from tracebacks.
"""

import json
import logging
import re
from datetime import UTC, datetime

from operations.requests import current_request, organization_id_of, route_of

# A URL's query string, wherever it appears in a message: "?q=Jane Doe HTTP/1.1" -> "?[redacted] HTTP/1.1".
_QUERY = re.compile(r"\?(?=[^\s\"']*=)[^\s\"']*")
_DB_DETAIL = re.compile(r"^(DETAIL|HINT|CONTEXT):.*$", re.MULTILINE)
REDACTED = "?[redacted]"

EXTRA_FIELDS = ("method", "path", "duration_ms")


def redact(text: str) -> str:
    if "?" in text:
        text = _QUERY.sub(REDACTED, text)
    return text


class RequestContextFilter(logging.Filter):
    """Adds request_id, organization_id and route of the current request to every record."""

    def filter(self, record):
        request = current_request()
        if request is not None:
            record.request_id = getattr(request, "request_id", None)
            if getattr(record, "organization_id", None) is None:
                record.organization_id = organization_id_of(request)
            if getattr(record, "route", None) is None:
                record.route = route_of(request)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, organization_id, route,
    status (+ method, path, duration_ms on request lines; exception when there is one)."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "organization_id": getattr(record, "organization_id", None),
            "route": getattr(record, "route", None),
            "status": getattr(record, "status", None) or getattr(record, "status_code", None),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = redact(_DB_DETAIL.sub("", self.formatException(record.exc_info)))
        return json.dumps(line, default=str)


class TextFormatter(JsonFormatter):
    """The same fields as one plain line, for reading in a terminal (LOG_FORMAT=text)."""

    def format(self, record):
        line = json.loads(super().format(record))
        context = " ".join(f"{k}={line.pop(k)}" for k in ("request_id", "organization_id", "route", "status")
                           if line.get(k) is not None)
        exception = line.pop("exception", "")
        text = f"{line['time']} {line['level']} {line['logger']} [{context}] {line['message']}"
        return f"{text}\n{exception}" if exception else text
