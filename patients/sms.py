"""Sending a text message. `settings.SMS_BACKEND` picks the backend:

- "console": writes the message to the log (development only: refuses when DEBUG is off);
- "webhook": POSTs it as JSON to `settings.SMS_WEBHOOK_URL`, signed with `settings.SMS_WEBHOOK_SECRET`,
  so a clinic can plug in its own SMS gateway;
- "memory": keeps it in `patients.sms.outbox` (tests), like Django's locmem email backend;
- or the dotted path of a class with the same `send(to, body, **details)` method.

A backend raises `SmsDeliveryError` when the message could not be handed over.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Intake-Signature"
TIMESTAMP_HEADER = "X-Intake-Timestamp"


class SmsDeliveryError(Exception):
    pass


@dataclass
class SmsMessage:
    to: str
    body: str
    details: dict = field(default_factory=dict)


outbox: list[SmsMessage] = []


class ConsoleSmsBackend:
    """Development only: with DEBUG off it refuses, so that codes never land in production logs
    and an unconfigured gateway shows up as failed deliveries instead of silently "sent" ones."""

    def send(self, to: str, body: str, **details) -> None:
        if not settings.DEBUG:
            raise SmsDeliveryError("No SMS gateway is configured (SMS_BACKEND=console works only with DEBUG on).")
        logger.info("SMS to %s: %s", to, body)


class MemorySmsBackend:
    def send(self, to: str, body: str, **details) -> None:
        outbox.append(SmsMessage(to=to, body=body, details=details))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `<timestamp>.<raw JSON body>`, hex. The receiver recomputes it with the
    shared secret, compares in constant time and rejects old timestamps (replays)."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET elsewhere: treat it as a failure instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class WebhookSmsBackend:
    """POST `{"to", "body", ...details}` as JSON with headers
    `X-Intake-Timestamp: <unix seconds>` and `X-Intake-Signature: sha256=<hex>` (see `sign`).
    Any answer other than 2xx, a timeout or a connection error raises SmsDeliveryError."""

    def __init__(self, url: str | None = None, secret: str | None = None, timeout: float = 10.0):
        self.url = url if url is not None else settings.SMS_WEBHOOK_URL
        self.secret = secret if secret is not None else settings.SMS_WEBHOOK_SECRET
        self.timeout = timeout
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ImproperlyConfigured("SMS_WEBHOOK_URL must be an http:// or https:// URL.")
        if not self.secret:
            raise ImproperlyConfigured("SMS_WEBHOOK_SECRET must be set to sign SMS webhook calls.")

    def send(self, to: str, body: str, **details) -> None:
        payload = json.dumps({"to": to, "body": body, **details}, separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url, data=payload, method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "patient-intake-sms/1",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: "sha256=" + sign(self.secret, timestamp, payload),
            },
        )
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            raise SmsDeliveryError(f"The SMS gateway answered HTTP {exc.code}.") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsDeliveryError(f"The SMS gateway could not be reached: {reason}.") from exc
        if not 200 <= status < 300:
            raise SmsDeliveryError(f"The SMS gateway answered HTTP {status}.")


BACKENDS = {"console": ConsoleSmsBackend, "webhook": WebhookSmsBackend, "memory": MemorySmsBackend}


def get_sms_backend():
    name = settings.SMS_BACKEND
    backend_class = BACKENDS.get(name)
    if backend_class is None:
        try:
            backend_class = import_string(name)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"Unknown SMS_BACKEND {name!r}: use console, webhook, memory or a dotted class path."
            ) from exc
    return backend_class()
