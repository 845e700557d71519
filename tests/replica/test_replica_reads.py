"""Searches and lists read from a real streaming standby; read-your-writes; falling back to the primary."""

import logging

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from tests.api.patients_helpers import PATIENTS_URL, VALID_BODY, create
from tests.factories import PatientFactory
from tests.replica.conftest import caught_up, on_standby, replay_paused, standby

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.needs_replica,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.usefixtures("reads_on_replica"),
]


def found(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["lastName"] for row in response.json()["results"]]


def test_the_replica_alias_is_the_standby():
    assert on_standby("SELECT pg_is_in_recovery()") is True
    assert connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]


@pytest.mark.parametrize("door", ["api", "fhir", "frontdesk", "admin"])
def test_searches_and_lists_are_answered_by_the_standby(door, organization, member, superuser, key_client, client):
    PatientFactory(organization=organization, family_name="Tremblay", given_name="Zoé")
    if door in ("api", "fhir"):
        caller = key_client("reader")
        path = f"{PATIENTS_URL}?q=tremblay" if door == "api" else "/fhir/R4/Patient?name=tremblay"
    else:
        client.force_login(member if door == "frontdesk" else superuser)
        caller = client
        path = "/patients/?q=tremblay" if door == "frontdesk" else "/admin/patients/patient/?q=tremblay"
    caught_up()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = caller.get(path)
    assert response.status_code == 200
    assert "Tremblay" in response.content.decode()
    assert any("patients_patient" in q["sql"] for q in on_replica.captured_queries)
    # The connection that answered is the standby's (in recovery), not the primary's.
    assert on_standby("SELECT pg_is_in_recovery()") is True


def test_a_lagging_standby_misses_a_new_patient_for_others_but_not_for_its_writer(organization, key_client):
    writer, other = key_client("writer"), key_client("other")
    with replay_paused():
        assert create(writer, VALID_BODY).status_code == 201
        # The writer's key reads from the primary for a while: its new patient is found at once...
        assert found(writer.get(f"{PATIENTS_URL}?q=doe")) == ["Doe"]
        # ...while a key that wrote nothing reads from the standby, which has not replayed it yet.
        assert found(other.get(f"{PATIENTS_URL}?q=doe")) == []
    caught_up()
    assert found(other.get(f"{PATIENTS_URL}?q=doe")) == ["Doe"]


def test_front_desk_user_finds_the_patient_registered_a_moment_ago(organization, member, owner, client):
    from django.test import Client

    client.force_login(member)
    colleague = Client()
    colleague.force_login(owner)
    with replay_paused():
        response = client.post(PATIENTS_URL, VALID_BODY, content_type="application/json")
        assert response.status_code == 201, response.content
        link = f'/patients/{response.json()["id"]}/'
        # This session wrote: its list reads from the primary. A colleague's reads from the standby.
        assert link in client.get("/patients/?q=doe").content.decode()
        assert link not in colleague.get("/patients/?q=doe").content.decode()
        assert client.get(link).status_code == 200


def test_a_stopped_standby_degrades_to_the_primary(organization, key_client, caplog):
    PatientFactory(organization=organization, family_name="Tremblay")
    reader = key_client("reader")
    caught_up()
    assert found(reader.get(f"{PATIENTS_URL}?q=tremblay")) == ["Tremblay"]
    standby("stop")
    try:
        with caplog.at_level(logging.WARNING, logger="config.replica"):
            for _ in range(3):
                assert found(reader.get(f"{PATIENTS_URL}?q=tremblay")) == ["Tremblay"]
        assert "Read replica unavailable, reading from the primary" in caplog.text
    finally:
        standby("start")
    # Back up: the next search reconnects to the standby.
    caught_up()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert found(reader.get(f"{PATIENTS_URL}?q=tremblay")) == ["Tremblay"]
    assert on_replica.captured_queries


def test_writes_transactions_and_other_requests_stay_on_the_primary(rf):
    from django.db import transaction

    from config.replica import read_database, reading_from_replica
    from patients.models import Patient

    assert read_database(rf.get("/")) == "replica"
    assert read_database(rf.post("/")) == "default"
    with transaction.atomic():
        assert read_database(rf.get("/")) == "default"
    with reading_from_replica(rf.get("/")):
        assert Patient.objects.all().db == "replica"
        assert Patient.objects.using("default").db == "default"
    assert Patient.objects.all().db == "default"
