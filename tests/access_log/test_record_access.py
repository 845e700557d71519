"""record_access / record_accesses: what one event holds, and a page of patients in one INSERT."""

import pytest
from django.test import RequestFactory

from patients.access_log import AccessAction, AccessEvent, record_access, record_accesses
from patients.actors import Actor
from patients.models import Channel
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_a_staff_read_is_one_event(organization, member):
    patient = PatientFactory(organization=organization)
    record_access(actor=Actor.for_user(member), patient=patient, action=AccessAction.VIEW,
                  request=_request(REMOTE_ADDR="198.51.100.7"))
    stored = AccessEvent.objects.get()
    assert (stored.organization, stored.patient, stored.action, stored.door) == (
        organization, patient, "view", Channel.INTAKE)
    assert (stored.actor_kind, stored.user, stored.api_key, stored.acting_patient) == ("staff", member, None, None)
    assert stored.actor_label == "member (Intake form)"
    assert stored.client_address == "198.51.100.7"
    assert stored.at is not None


def test_an_api_key_is_kept_with_its_name(organization, api_key):
    patient = PatientFactory(organization=organization)
    record_access(actor=Actor.for_api_key(api_key), patient=patient, action=AccessAction.VIEW, request=None)
    event = AccessEvent.objects.get()
    assert (event.actor_kind, event.api_key, event.api_key_name) == ("api_key", api_key, "EMR bridge")
    assert event.door == "api"
    assert event.actor_label == "API key: EMR bridge"
    assert event.client_address is None  # no request: no address


def test_a_patient_reading_their_own_record(organization):
    patient = PatientFactory(organization=organization, given_name="Ana", family_name="Lima")
    record_access(actor=Actor(channel=Channel.PATIENT, patient=patient), patient=patient, action=AccessAction.VIEW)
    event = AccessEvent.objects.get()
    assert (event.actor_kind, event.acting_patient, event.door, event.actor_label) == (
        "patient", patient, "patient", "Patient Ana Lima")


def test_the_door_may_be_named(organization, api_key):
    patient = PatientFactory(organization=organization)
    record_access(actor=Actor.for_api_key(api_key), patient=patient, action=AccessAction.VIEW, door="fhir")
    assert AccessEvent.objects.get().door == "fhir"


def test_the_event_belongs_to_the_patients_organization(organization, other_organization, superuser):
    birch = PatientFactory(organization=other_organization)
    record_access(actor=Actor.for_user(superuser, Channel.ADMIN), patient=birch, action=AccessAction.VIEW)
    assert AccessEvent.objects.get().organization == other_organization
    assert not AccessEvent.objects.for_organization(organization).exists()


def test_x_forwarded_for_is_ignored_without_proxies(organization, member, settings):
    patient = PatientFactory(organization=organization)
    request = _request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    record_access(actor=Actor.for_user(member), patient=patient, action=AccessAction.VIEW, request=request)
    assert AccessEvent.objects.get().client_address == "10.0.0.5"


@pytest.mark.parametrize("forwarded, stored", [
    ("192.0.2.1, 203.0.113.9", "203.0.113.9"),  # one proxy: its view of the client
    ("not-an-address", None),  # whatever a header says that is no address
])
def test_x_forwarded_for_is_believed_behind_the_configured_proxies(organization, member, settings, forwarded, stored):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    patient = PatientFactory(organization=organization)
    request = _request(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)
    record_access(actor=Actor.for_user(member), patient=patient, action=AccessAction.VIEW, request=request)
    assert AccessEvent.objects.get().client_address == stored


def test_a_page_of_patients_is_one_insert(organization, other_organization, api_key, django_assert_num_queries):
    patients = PatientFactory.create_batch(100, organization=organization)
    patients.append(PatientFactory(organization=other_organization))
    with django_assert_num_queries(1) as captured:
        record_accesses(actor=Actor.for_api_key(api_key), patients=patients, action=AccessAction.SEARCH,
                        request=_request(REMOTE_ADDR="198.51.100.7"))
    assert captured.captured_queries[0]["sql"].startswith("INSERT")
    events = AccessEvent.objects.order_by("id")
    assert [e.patient_id for e in events] == [p.pk for p in patients]
    assert {(e.action, e.api_key_name, e.client_address) for e in events} == {("search", "EMR bridge", "198.51.100.7")}
    assert events.last().organization == other_organization  # each event in its patient's organization


def test_no_patients_no_statement(api_key, django_assert_num_queries):
    with django_assert_num_queries(0):
        record_accesses(actor=Actor.for_api_key(api_key), patients=[], action=AccessAction.SEARCH)
    assert not AccessEvent.objects.exists()


def test_the_names_are_importable_before_the_app_registry(monkeypatch):
    # `from patients.access_log import ...` in a module loaded at start-up must not need the models.
    import patients.access_log as package

    assert package.AccessAction.REVEAL == "reveal"
    assert set(package.__all__) == {"AccessAction", "AccessEvent", "record_access", "record_accesses"}
    with pytest.raises(AttributeError):
        package.no_such_name  # noqa: B018
