"""Fixtures of the operations tests: every log line the app writes, as its handler writes it."""

import io
import json
import logging

import pytest
from django.core.cache import cache

from operations.logging import JsonFormatter, RequestContextFilter


class CapturedLogs:
    def __init__(self):
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]

    def of(self, logger: str) -> list[dict]:
        return [line for line in self.lines if line["logger"] == logger]


@pytest.fixture
def logs():
    """The app's own handler (JSON formatter and request filter) on the root logger, at DEBUG, so
    that every logger's lines (django.request, django.server, the access log, ...) are caught."""
    captured = CapturedLogs()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield captured
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle counters
    yield
    cache.clear()
