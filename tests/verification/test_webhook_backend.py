"""The webhook SMS backend against a real HTTP server on 127.0.0.1."""

import hashlib
import hmac
import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from patients import sms
from tests.verification.gateway import start_gateway

SECRET = "shared-secret-for-tests"


@pytest.fixture
def gateway():
    gateway, server = start_gateway()
    yield gateway
    server.shutdown()
    server.server_close()


def test_posts_signed_json(gateway):
    backend = sms.WebhookSmsBackend(url=gateway.url, secret=SECRET)

    backend.send("+14165550134", "Maple Clinic: your verification code is 123456.", organization="maple",
                 delivery_id=7)

    (request,) = gateway.received
    assert request.path == "/sms"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "to": "+14165550134", "body": "Maple Clinic: your verification code is 123456.",
        "organization": "maple", "delivery_id": 7,
    }
    timestamp = request.headers["X-Intake-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Intake-Signature"] == f"sha256={expected}"


def test_the_signature_covers_the_body(gateway):
    sms.WebhookSmsBackend(url=gateway.url, secret=SECRET).send("+14165550134", "first")
    sms.WebhookSmsBackend(url=gateway.url, secret="another-secret").send("+14165550134", "first")

    signed_with_ours, signed_with_other = gateway.received
    timestamp = signed_with_other.headers["X-Intake-Timestamp"]
    ours = "sha256=" + sms.sign(SECRET, timestamp, signed_with_other.body)
    assert signed_with_other.headers["X-Intake-Signature"] != ours
    tampered = signed_with_ours.body.replace(b"first", b"other")
    assert signed_with_ours.headers["X-Intake-Signature"] != "sha256=" + sms.sign(
        SECRET, signed_with_ours.headers["X-Intake-Timestamp"], tampered)


@pytest.mark.parametrize("status", [400, 500, 503])
def test_an_error_answer_is_a_delivery_error(gateway, status):
    gateway.statuses = [status]

    with pytest.raises(sms.SmsDeliveryError, match=str(status)):
        sms.WebhookSmsBackend(url=gateway.url, secret=SECRET).send("+14165550134", "hello")


def test_a_redirect_is_not_followed(gateway):
    gateway.statuses = [302]

    with pytest.raises(sms.SmsDeliveryError, match="302"):
        sms.WebhookSmsBackend(url=gateway.url, secret=SECRET).send("+14165550134", "hello")
    assert len(gateway.received) == 1


def test_an_unreachable_gateway_is_a_delivery_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(sms.SmsDeliveryError, match="could not be reached"):
        sms.WebhookSmsBackend(url=f"http://127.0.0.1:{port}/sms", secret=SECRET, timeout=2).send("+1", "x")


@pytest.mark.parametrize("url, secret", [
    ("file:///etc/passwd", SECRET), ("ftp://127.0.0.1/x", SECRET), ("", SECRET), ("http://127.0.0.1/x", ""),
])
def test_a_misconfigured_webhook_is_refused(url, secret):
    with pytest.raises(ImproperlyConfigured):
        sms.WebhookSmsBackend(url=url, secret=secret)


def test_backends_are_chosen_by_setting(settings, gateway):
    settings.SMS_BACKEND = "webhook"
    settings.SMS_WEBHOOK_URL = gateway.url
    settings.SMS_WEBHOOK_SECRET = SECRET
    assert isinstance(sms.get_sms_backend(), sms.WebhookSmsBackend)
    settings.SMS_BACKEND = "console"
    assert isinstance(sms.get_sms_backend(), sms.ConsoleSmsBackend)
    settings.SMS_BACKEND = "patients.sms.MemorySmsBackend"
    assert isinstance(sms.get_sms_backend(), sms.MemorySmsBackend)
    settings.SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms.get_sms_backend()


def test_console_backend_logs_the_message_in_development(caplog, settings):
    settings.DEBUG = True
    with caplog.at_level("INFO", logger="patients.sms"):
        sms.ConsoleSmsBackend().send("+14165550134", "hello there")
    assert "+14165550134" in caplog.text and "hello there" in caplog.text


def test_console_backend_refuses_outside_development(caplog, settings):
    settings.DEBUG = False
    with caplog.at_level("INFO", logger="patients.sms"), pytest.raises(sms.SmsDeliveryError, match="No SMS gateway"):
        sms.ConsoleSmsBackend().send("+14165550134", "code 123456")
    assert "123456" not in caplog.text
