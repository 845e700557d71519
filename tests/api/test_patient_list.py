"""GET /api/v1/patients: search, pagination, tenancy, query budget."""

import pytest

from patients.models import Patient
from tests.api.patients_helpers import PATIENTS_URL, assert_error
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory, ProviderFactory


@pytest.fixture
def jane(organization):
    patient = PatientFactory(
        organization=organization, given_name="Jane", family_name="Éclair", email="Jane.Eclair@example.com",
        phone="+14165550123", date_of_birth="1985-04-12",
    )
    HealthCardFactory(patient=patient, number="9287170261", version_code="DK", province="ON")
    return patient


@pytest.fixture
def others(organization):
    # Phones of their own: the factory's sequence would give one of them Jane's after 123 patients.
    return [PatientFactory(organization=organization, given_name="Sam", family_name=f"Lee{i}", phone=f"+1613555990{i}")
            for i in range(3)]


def ids(response):
    return [p["id"] for p in response.json()["results"]]


def test_lists_the_organizations_patients_newest_first(api, jane, others):
    response = api.get(PATIENTS_URL)

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4
    assert ids(response) == [str(p.pk) for p in reversed(others)] + [str(jane.pk)]
    first = data["results"][-1]
    assert first["firstName"] == "Jane"
    assert first["hcCard"] == {"numberLast4": "0261", "versionCode": "DK", "province": "ON", "expiryDate": None,
                               "expired": False}
    assert "9287170261" not in response.content.decode()  # minimum necessary: no full number in a list
    assert "password" not in first


@pytest.mark.parametrize(
    "query",
    ["jane", "ECLAIR", "éclair jan", "jane.eclair@example.com", "(416) 555-0123", "4165550123", "1985-04-12",
     "12 Apr 1985", "12 avril 1985", "12/04/1985", "12041985", "9287-170-261"],
)
def test_search_finds_by_name_email_phone_birth_date_and_health_card(api, jane, others, query):
    response = api.get(PATIENTS_URL, {"q": query})

    assert response.status_code == 200
    assert ids(response) == [str(jane.pk)]


def test_an_ambiguous_date_searches_both_readings_and_says_so(api, organization, jane):
    # 04/12/1985: 4 December, or April 12 (Jane's).
    december = PatientFactory(organization=organization, given_name="Dee", date_of_birth="1985-12-04")
    response = api.get(PATIENTS_URL, {"q": "04/12/1985"})

    assert set(ids(response)) == {str(jane.pk), str(december.pk)}
    assert response.json()["searchedDatesOfBirth"] == ["1985-12-04", "1985-04-12"]
    assert api.get(PATIENTS_URL, {"q": "12 Apr 1985"}).json()["searchedDatesOfBirth"] == ["1985-04-12"]


def test_search_by_patient_number(api, jane, others):
    assert ids(api.get(PATIENTS_URL, {"q": str(jane.patient_number)})) == [str(jane.pk)]


@pytest.mark.parametrize("query", ["²", "12³"])
def test_odd_characters_in_a_search_are_no_match_not_a_crash(api, jane, query):
    # '²' passes str.isdigit() but not int().
    response = api.get(PATIENTS_URL, {"q": query})
    assert response.status_code == 200
    assert ids(response) in ([], [str(jane.pk)])


@pytest.mark.parametrize("query", ["\x00", "jane\x00", "9287\x00170261"])
def test_nul_in_a_search_is_a_400_on_q(api, jane, query):
    # PostgreSQL cannot take NUL in a parameter: refused before the search (patients/strict_input.py).
    assert_error(api.get(PATIENTS_URL, {"q": query}), 400, "invalid", ["q"])


def test_search_without_a_match_is_an_empty_page(api, jane):
    response = api.get(PATIENTS_URL, {"q": "nobody"})
    assert response.json() == {"count": 0, "countIsEstimate": False, "next": None, "previous": None, "results": [],
                               "searchedDatesOfBirth": []}


def test_status_filter(api, organization, jane):
    lead = LeadFactory(organization=organization)

    assert ids(api.get(PATIENTS_URL, {"status": "lead"})) == [str(lead.pk)]
    assert ids(api.get(PATIENTS_URL, {"status": "active"})) == [str(jane.pk)]


def test_unknown_status_is_a_400(api):
    assert_error(api.get(PATIENTS_URL, {"status": "deleted"}), 400, "invalid", ["status"])


def test_pagination(api, organization):
    PatientFactory.create_batch(5, organization=organization)

    first = api.get(PATIENTS_URL, {"pageSize": 2}).json()
    last = api.get(PATIENTS_URL, {"pageSize": 2, "page": 3}).json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert "page=2" in first["next"]
    assert len(last["results"]) == 1
    assert last["next"] is None


def test_a_page_past_the_end_is_a_404(api, jane):
    assert_error(api.get(PATIENTS_URL, {"page": 9}), 404, "not_found")


def test_another_organizations_patients_are_never_listed(api, other_api, jane, other_organization):
    theirs = PatientFactory(organization=other_organization, given_name="Jane")

    assert ids(api.get(PATIENTS_URL, {"q": "jane"})) == [str(jane.pk)]
    assert ids(other_api.get(PATIENTS_URL)) == [str(theirs.pk)]


def test_listing_needs_a_key(client, jane):
    assert_error(client.get(PATIENTS_URL), 401)


def test_list_stays_within_the_query_budget(api, organization, django_assert_max_num_queries):
    providers = ProviderFactory.create_batch(2, organization=organization)
    for patient in PatientFactory.create_batch(20, organization=organization):
        patient.providers.set(providers)
        HealthCardFactory(patient=patient, number=f"{patient.patient_number:09d}", province="AB")

    # The key (and its last use), the count (on PostgreSQL: the planner's estimate, then a capped
    # count when it is small), the page with its health cards, then providers, groups and
    # verifications in one query together, and the access log's one INSERT: the same for 1 patient or 25.
    with django_assert_max_num_queries(7):
        response = api.get(PATIENTS_URL)

    assert len(response.json()["results"]) == 20


def test_a_search_with_less_than_a_page_of_matches_is_not_counted(api, organization):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PatientFactory.create_batch(3, organization=organization, family_name="Tremblay")
    PatientFactory.create_batch(30, organization=organization)

    with CaptureQueriesContext(connection) as captured:
        body = api.get(PATIENTS_URL, {"q": "tremblay"}).json()

    assert (body["count"], body["countIsEstimate"], body["next"], len(body["results"])) == (3, False, None, 3)
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in statements if s.startswith("EXPLAIN") or "COUNT(" in s]
    # A full page still counts: the answer says how many there are.
    full = api.get(PATIENTS_URL, {"pageSize": 10}).json()
    assert (full["count"], len(full["results"])) == (33, 10) and full["next"]


def test_a_search_of_two_names_counts_its_full_page_in_the_same_read(api, organization):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(12):
        PatientFactory(organization=organization, given_name=f"Marie{n}", family_name="Tremblay")
    PatientFactory.create_batch(5, organization=organization, family_name="Tremblay")
    PatientFactory.create_batch(5, organization=organization, given_name="Marie")
    newest_first = [str(p.pk) for p in Patient.objects.filter(given_name__startswith="Marie", family_name="Tremblay")
                    .order_by("-created_at")]

    with CaptureQueriesContext(connection) as captured:
        body = api.get(PATIENTS_URL, {"q": "mar trem", "pageSize": 10}).json()

    assert (body["count"], body["countIsEstimate"], bool(body["next"])) == (12, False, True)
    assert [r["id"] for r in body["results"]] == newest_first[:10]
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in statements if s.startswith("EXPLAIN") or "SELECT COUNT(*) FROM" in s]
    second = api.get(PATIENTS_URL, {"q": "mar trem", "pageSize": 10, "page": 2}).json()
    assert [r["id"] for r in second["results"]] == newest_first[10:] and second["count"] == 12


def test_a_date_of_birth_search_counts_its_full_page_in_the_same_read(api, organization):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PatientFactory.create_batch(12, organization=organization, date_of_birth="1990-05-06")
    PatientFactory.create_batch(4, organization=organization, date_of_birth="1990-05-07")

    with CaptureQueriesContext(connection) as captured:
        body = api.get(PATIENTS_URL, {"q": "1990-05-06", "pageSize": 5}).json()

    assert (body["count"], body["countIsEstimate"], len(body["results"]), bool(body["next"])) == (12, False, 5, True)
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in statements if s.startswith("EXPLAIN") or "SELECT COUNT(*) FROM" in s]
    assert [s for s in statements if "COUNT(*) OVER ()" in s]


def test_each_result_shows_the_links_and_verifications_its_own_answer_shows(api, organization, member, jane, others):
    from patients.actors import Actor
    from patients.verification import mark_verified_in_person
    from tests.factories import PatientGroupFactory

    zed, abe = (ProviderFactory(organization=organization, name=name) for name in ("Zed Ortho", "Abe Family"))
    jane.providers.set([zed, abe])
    jane.groups.set([PatientGroupFactory(organization=organization, name=n) for n in ("Walk-in", "Diabetes")])
    others[0].providers.set([abe])
    mark_verified_in_person(jane, "email", actor=Actor.for_user(member))

    listed = {p["id"]: p for p in api.get(PATIENTS_URL).json()["results"]}

    for patient in (jane, *others):
        answer = api.get(f"{PATIENTS_URL}/{patient.pk}").json()
        for field in ("providers", "groups", "verifications"):
            assert listed[str(patient.pk)][field] == answer[field]
    assert listed[str(jane.pk)]["providers"] == [str(abe.pk), str(zed.pk)]  # by name, as everywhere
    assert listed[str(jane.pk)]["verifications"] == {"email": "verified", "phone": "unverified"}
