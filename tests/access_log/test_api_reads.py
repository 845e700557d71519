"""Every read of a patient through the REST API appends to the access log, at one statement a request;
search results carry only the last four digits of a health card."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.access_log import AccessEvent
from tests.access_log.helpers import events, log_statements
from tests.api.patients_helpers import PATIENTS_URL, client_with_key, detail_url, patch
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory

pytestmark = pytest.mark.django_db

KEY = "API key: EMR bridge"


@pytest.fixture
def api(api_key):
    return client_with_key(api_key.raw)


@pytest.fixture
def jane(organization):
    patient = PatientFactory(organization=organization, given_name="Jane", phone="+14165550123")
    HealthCardFactory(patient=patient, number="9287170261", version_code="DK", province="ON")
    return patient


def test_reading_one_patient_is_a_view(api, jane, api_key):
    response = api.get(detail_url(jane.pk), REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 200
    assert response.json()["hcCard"]["number"] == "9287170261"  # one record open: the full number
    assert events() == [("view", "api", KEY, jane.pk)]
    event = AccessEvent.objects.get()
    assert (event.api_key, event.api_key_name, event.client_address) == (api_key, "EMR bridge", "198.51.100.20")


def test_another_organizations_patient_is_404_and_logs_nothing(other_organization, api):
    theirs = PatientFactory(organization=other_organization)
    assert api.get(detail_url(theirs.pk)).status_code == 404
    assert not AccessEvent.objects.exists()


def test_a_search_page_is_one_event_per_patient_in_one_statement(api, organization, jane):
    others = PatientFactory.create_batch(30, organization=organization)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(PATIENTS_URL)
    shown = [p["id"] for p in response.json()["results"]]
    assert len(shown) == 25
    assert len(log_statements(captured)) == 1
    assert [str(e[3]) for e in events()] == shown
    assert {e[0] for e in events()} == {"search"}
    assert others  # the page is the newest 25 of 31


def test_an_empty_search_logs_nothing(api, jane):
    with CaptureQueriesContext(connection) as captured:
        assert api.get(PATIENTS_URL, {"q": "nobody-matches"}).json()["results"] == []
    assert log_statements(captured) == [] and not AccessEvent.objects.exists()


def test_search_results_carry_only_the_last_four_digits(api, jane):
    response = api.get(PATIENTS_URL, {"q": "9287170261"})
    result = response.json()["results"][0]
    assert result["hcCard"] == {"numberLast4": "0261", "versionCode": "DK", "province": "ON", "expiryDate": None,
                                "expired": False}
    assert "9287170261" not in response.content.decode()


def test_the_detail_shape_is_unchanged(api, jane):
    card = api.get(detail_url(jane.pk)).json()["hcCard"]
    assert set(card) == {"number", "versionCode", "province", "expiryDate", "expired"}


def test_a_change_through_patch_is_logged(api, jane):
    assert patch(api, jane.pk, {"referrer": "dr-who"}).status_code == 200
    assert events() == [("change", "api", KEY, jane.pk)]


def test_a_refused_patch_logs_nothing(api, jane):
    assert patch(api, jane.pk, {"dateOfBirth": "2999-01-01"}).status_code == 400
    assert not AccessEvent.objects.exists()


def test_a_staff_session_on_the_api_is_logged_as_the_user(client, member, jane):
    client.force_login(member)
    assert client.get(detail_url(jane.pk)).status_code == 200
    assert events() == [("view", "api", "member (API)", jane.pk)]


def _promote(api, lead, body):
    return api.post(f"{PATIENTS_URL}/{lead.pk}/promote", json.dumps(body), content_type="application/json")


def test_a_promotion_is_a_change_and_the_duplicates_shown_are_searches(api, organization):
    lead = LeadFactory(organization=organization, given_name="Lou", family_name="Lead", phone="")
    twin = PatientFactory(organization=organization, phone="+14165550999")
    body = {"dateOfBirth": "1980-05-06", "phone": "+14165550999", "gender": "male"}
    assert _promote(api, lead, body).status_code == 409
    assert events() == [("search", "api", KEY, twin.pk)]
    assert _promote(api, lead, {**body, "confirmDuplicates": True}).status_code == 200
    assert events()[-1] == ("change", "api", KEY, lead.pk)


def test_the_schema_tells_list_and_detail_apart(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert "number" in components["HealthCard"]["properties"]
    assert set(components["HealthCardLast4"]["properties"]) == {
        "numberLast4", "versionCode", "province", "expiryDate", "expired"}
    listed = schema["paths"]["/api/v1/patients"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"]["$ref"].endswith("PaginatedPatientListItemList")
    assert "HealthCardLast4" in json.dumps(components["PatientListItem"]["properties"]["hcCard"])
