"""POST /api/v1/patients/{id}/merge and /unmerge; reads and searches of a merged record."""

import pytest

from patients.access_log import AccessEvent
from patients.merging.models import PatientMerge
from patients.models import Patient
from tests.api.patients_helpers import PATIENTS_URL, assert_error, detail_url, patch
from tests.api.test_register_patient_contract import CONTRACT_REQUEST
from tests.api.test_register_patient_contract import post as register
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory

pytestmark = pytest.mark.django_db


def merge(api, merged, body):
    return api.post(f"{detail_url(merged.pk)}/merge", body, format="json")


def unmerge(api, merged, body=None):
    return api.post(f"{detail_url(merged.pk)}/unmerge", body or {}, format="json")


@pytest.fixture
def survivor(organization):
    return PatientFactory(organization=organization, family_name="Haddad", province="")


@pytest.fixture
def lead(organization):
    return LeadFactory(organization=organization, family_name="Hadad", province="ON", phone="",
                       calling_code="+1", local_phone="416 555 0199")


def test_merge_answers_the_survivor_with_what_it_kept(api, lead, survivor):
    response = merge(api, lead, {"into": str(survivor.pk), "keep": {"lastName": "merged", "phone": "merged"},
                                 "reason": "Same caller"})

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["id"] == str(survivor.pk) and data["status"] == "active" and data["mergedInto"] is None
    assert (data["lastName"], data["phone"], data["province"]) == ("Hadad", "+14165550199", "ON")
    assert PatientMerge.objects.get().channel == "api"


def test_a_merged_record_reads_as_merged_with_a_link_to_its_survivor(api, lead, survivor):
    merge(api, lead, {"into": str(survivor.pk)})

    response = api.get(detail_url(lead.pk))

    assert response.status_code == 200
    data = response.json()
    assert (data["id"], data["status"], data["mergedInto"]) == (str(lead.pk), "merged", str(survivor.pk))
    assert data["lastName"] == "Hadad"  # its own data, never the survivor's


def test_searches_hide_merged_records_unless_asked(api, lead, survivor):
    merge(api, lead, {"into": str(survivor.pk)})

    found = api.get(PATIENTS_URL, {"q": "hadad"}).json()["results"]
    assert found == []
    shown = api.get(PATIENTS_URL, {"q": "hadad", "status": "merged"}).json()["results"]
    assert [p["id"] for p in shown] == [str(lead.pk)]


def test_a_retired_patient_number_still_finds_the_record_pointing_to_its_survivor(api, organization, survivor):
    newer = PatientFactory(organization=organization)
    merge(api, newer, {"into": str(survivor.pk)})

    found = api.get(PATIENTS_URL, {"q": str(newer.patient_number)}).json()["results"]

    assert [(p["id"], p["status"], p["mergedInto"]) for p in found] == [(str(newer.pk), "merged", str(survivor.pk))]


def test_a_lead_of_the_register_patient_contract_merges_through_the_same_route(client, api, api_key, survivor):
    lead_id = register(client, api_key, CONTRACT_REQUEST).json()["data"]["patient"]["id"]

    response = merge(api, Patient(pk=lead_id), {"into": str(survivor.pk)})

    assert response.status_code == 200, response.content
    assert Patient.objects.get(pk=lead_id).status == Patient.Status.MERGED


def test_unmerge_answers_both_records_and_the_later_edits_it_kept(api, lead, survivor):
    merge(api, lead, {"into": str(survivor.pk), "keep": {"lastName": "merged"}})
    patch(api, survivor.pk, {"lastName": "Haddad-Khan"})

    response = unmerge(api, lead, {"reason": "Not the same person"})

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["patient"]["status"] == "lead" and data["patient"]["mergedInto"] is None
    assert data["survivor"]["lastName"] == "Haddad-Khan" and data["survivor"]["province"] == ""
    assert data["keptLaterEdits"] == ["lastName"]


@pytest.mark.parametrize("target", ["unknown", "other organization"])
def test_another_organizations_or_an_unknown_record_is_a_404(api, lead, other_organization, target):
    stranger = PatientFactory(organization=other_organization)
    into = stranger.pk if target == "other organization" else "3f0b2a9e-8c1d-4e5f-9a7b-6c5d4e3f2a1b"

    assert_error(merge(api, lead, {"into": str(into)}), 404, "not_found")
    assert_error(merge(api, stranger, {"into": str(lead.pk)}), 404, "not_found")
    assert_error(unmerge(api, stranger), 404, "not_found")
    assert Patient.objects.get(pk=lead.pk).status == Patient.Status.LEAD


def test_merging_again_is_a_409_already_merged(api, organization, lead, survivor):
    merge(api, lead, {"into": str(survivor.pk)})
    other = PatientFactory(organization=organization)

    data = assert_error(merge(api, lead, {"into": str(other.pk)}), 409, "already_merged", ["status"])
    assert "already merged" in data["message"]


def test_a_merge_that_would_make_a_chain_is_a_409(api, organization, lead, survivor):
    merge(api, lead, {"into": str(survivor.pk)})
    third = PatientFactory(organization=organization)

    assert_error(merge(api, survivor, {"into": str(third.pk)}), 409, "would_make_chain", ["into"])
    assert_error(merge(api, third, {"into": str(lead.pk)}), 409, "would_make_chain", ["into"])


def test_an_unresolved_health_card_conflict_is_a_409_naming_it(api, lead, survivor):
    HealthCardFactory(patient=lead, number="9876543217", province="ON")
    HealthCardFactory(patient=survivor, number="9287170261", province="ON")

    data = assert_error(merge(api, lead, {"into": str(survivor.pk)}), 409, "health_card_conflict", ["hcCard"])
    assert "ON health card" in data["message"]
    assert merge(api, lead, {"into": str(survivor.pk), "keep": {"hcCard": "survivor"}}).status_code == 200


@pytest.mark.parametrize("body, field", [
    ({}, "into"),
    ({"into": "not-an-id"}, "into"),
    ({"into": "3f0b2a9e-8c1d-4e5f-9a7b-6c5d4e3f2a1b", "keep": {"password": "merged"}}, "keep.password"),
    ({"into": "3f0b2a9e-8c1d-4e5f-9a7b-6c5d4e3f2a1b", "keep": {"email": "both"}}, "keep.email"),
    ({"into": "3f0b2a9e-8c1d-4e5f-9a7b-6c5d4e3f2a1b", "keep": ["email"]}, "keep"),
])
def test_bad_bodies_are_400s_naming_the_field(api, lead, body, field):
    assert_error(merge(api, lead, body), 400, "invalid", [field])


def test_a_json_array_body_is_a_400(api, lead):
    assert_error(api.post(f"{detail_url(lead.pk)}/merge", [], format="json"), 400, "invalid")


def test_unmerging_a_record_that_is_not_merged_is_a_409(api, survivor):
    assert_error(unmerge(api, survivor), 409, "not_merged")


def test_a_merged_record_cannot_be_patched(api, lead, survivor):
    merge(api, lead, {"into": str(survivor.pk)})
    assert_error(patch(api, lead.pk, {"firstName": "Late"}), 409, "merged", ["status"])


def test_the_routes_and_their_errors_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    for action in ("merge", "unmerge", "archive", "restore"):
        operation = schema["paths"][f"/api/v1/patients/{{patient_id}}/{action}"]["post"]
        assert {"200", "404", "409"} <= set(operation["responses"]), action
    merge_doc = schema["paths"]["/api/v1/patients/{patient_id}/merge"]["post"]["responses"]["409"]
    assert "health_card_conflict" in merge_doc["description"]


def test_merge_and_unmerge_write_an_access_event_on_each_record(api, lead, survivor):
    merge(api, lead, {"into": str(survivor.pk)})
    unmerge(api, lead)

    events = AccessEvent.objects.order_by("at", "pk").values_list("action", "patient_id", "door", "api_key_name")
    assert sorted(events) == sorted([
        ("merge", lead.pk, "api", "EMR bridge"), ("merge", survivor.pk, "api", "EMR bridge"),
        ("unmerge", lead.pk, "api", "EMR bridge"), ("unmerge", survivor.pk, "api", "EMR bridge"),
    ])


def test_a_refused_merge_writes_no_access_event(api, lead):
    assert merge(api, lead, {"into": str(lead.pk)}).status_code == 409
    assert not AccessEvent.objects.exists()
