"""Every log line is one JSON object with the request's id, organization, route and status."""

import logging
import sys

from django.core.servers.basehttp import WSGIRequestHandler
from django.db import IntegrityError

from operations.logging import JsonFormatter
from tests.api.patients_helpers import PATIENTS_URL, VALID_BODY, client_with_key


def test_one_access_line_per_request_with_the_fields(api_key, logs):
    answer = client_with_key(api_key.raw).post(PATIENTS_URL, VALID_BODY, format="json")

    [line] = logs.of("intake.access")
    assert line["request_id"] == answer["X-Request-ID"]
    assert line["organization_id"] == str(api_key.organization_id)
    assert line["route"] == "api-v1-patients"
    assert line["status"] == 201
    assert line["method"] == "POST" and line["path"] == PATIENTS_URL
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_django_request_lines_carry_the_same_id(api_key, logs):
    answer = client_with_key(api_key.raw).get(f"{PATIENTS_URL}/7d0c58ad-1a3c-4f8e-9a64-1f1d0c6f2b11")

    [refusal] = logs.of("django.request")
    assert answer.status_code == 404
    assert refusal["request_id"] == answer["X-Request-ID"]
    assert refusal["route"] == "api-v1-patient-detail"
    assert refusal["status"] == 404
    assert refusal["organization_id"] == str(api_key.organization_id)


def test_a_front_desk_line_names_the_staff_members_organization(client, member, organization, logs):
    client.force_login(member)

    client.get("/patients/")

    [line] = logs.of("intake.access")
    assert (line["route"], line["status"], line["organization_id"]) == (
        "frontdesk:patient_list", 200, str(organization.pk))


def test_the_query_string_never_reaches_the_access_log(client, member, logs):
    client.force_login(member)

    client.get("/patients/", {"q": "Quillbottom 416-555-0187"})

    [line] = logs.of("intake.access")
    assert line["path"] == "/patients/"
    assert "Quillbottom" not in logs.text and "0187" not in logs.text


def test_the_development_servers_request_lines_are_redacted(logs):
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)  # what runserver logs each request with
    handler.request = None
    handler.requestline = "GET /patients/?q=Quillbottom&dob=1983-07-19 HTTP/1.1"

    handler.log_request(200, 5120)

    [line] = logs.of("django.server")
    assert line["message"] == '"GET /patients/?[redacted] HTTP/1.1" 200 5120'
    assert line["status"] == 200


def test_a_database_errors_detail_is_left_out_of_tracebacks():
    try:
        raise IntegrityError('duplicate key value violates unique constraint "patient_email_unique_per_org"\n'
                             "DETAIL:  Key (organization_id, email)=(1, zephyrine@example.org) already exists.")
    except IntegrityError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                                   ("/api/v1/patients",), sys.exc_info())

    line = JsonFormatter().format(record)

    assert "patient_email_unique_per_org" in line and "zephyrine" not in line


def test_a_question_in_a_message_is_not_mistaken_for_a_query_string():
    record = logging.LogRecord("intake", logging.INFO, __file__, 1, "Retry? The queue is full.", (), None)

    assert '"Retry? The queue is full."' in JsonFormatter().format(record)
