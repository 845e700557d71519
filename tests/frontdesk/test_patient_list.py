"""The patients list: search, filter, pages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Patient
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory

URL = reverse("frontdesk:patient_list")


@pytest.fixture
def elodie(organization):
    patient = PatientFactory(organization=organization, given_name="Élodie", family_name="Tremblay-Côté",
                             date_of_birth=datetime.date(1984, 3, 9), phone="+14165550199")
    HealthCardFactory(patient=patient, number="9876543217")
    return patient


def names(response):
    return [p.display_name for p in response.context["patients"]]


def test_the_list_shows_the_organizations_patients_newest_first(desk, organization, other_organization, elodie):
    PatientFactory(organization=other_organization, given_name="Hidden", family_name="Elsewhere")
    newest = PatientFactory(organization=organization, given_name="Newest", family_name="One")

    response = desk.get(URL)

    assert names(response) == [newest.display_name, elodie.display_name]
    assert reverse("frontdesk:patient_detail", args=[elodie.pk]) in response.content.decode()


@pytest.mark.parametrize("query", ["elodie", "ÉLO", "TREM elo", "416.555.0199", "(416) 555 0199", "+1 416 555 0199",
                                   "1984-03-09", "9 Mar 1984", "9 mars 1984", "09031984", "9876 543 217"])
def test_search_finds_by_name_phone_birth_date_and_health_card(desk, organization, elodie, query):
    PatientFactory(organization=organization, given_name="Someone", family_name="Else",
                   date_of_birth=datetime.date(1990, 1, 1), phone="+14165550000")

    assert names(desk.get(URL, {"q": query})) == [elodie.display_name]


def test_dates_of_birth_are_shown_one_unambiguous_way(desk, elodie):
    assert "<td>9 Mar 1984</td>" in desk.get(URL).content.decode()


def test_an_ambiguous_date_searches_both_readings_and_says_so(desk, organization, elodie):
    september = PatientFactory(organization=organization, given_name="Sept", family_name="Third",
                               date_of_birth=datetime.date(1984, 9, 3))
    response = desk.get(URL, {"q": "09/03/1984"})

    assert set(names(response)) == {elodie.display_name, september.display_name}
    notice = response.content.decode().split('data-testid="date-readings">')[1].split("</p>")[0]
    assert "“09/03/1984” can be read two ways" in notice
    assert "<strong>9 Mar 1984</strong> and <strong>3 Sep 1984</strong>" in notice


def test_a_single_reading_is_said_too_and_no_date_says_nothing(desk, elodie):
    notice = desk.get(URL, {"q": "19840309"}).content.decode()
    assert "Searched date of birth:" in notice and "<strong>9 Mar 1984</strong>" in notice
    assert 'data-testid="date-readings"' not in desk.get(URL, {"q": "elodie"}).content.decode()


def test_search_finds_by_patient_number(desk, organization, elodie):
    PatientFactory(organization=organization)

    assert names(desk.get(URL, {"q": str(elodie.patient_number)})) == [elodie.display_name]


def test_search_never_crosses_organizations(outsider_desk, elodie):
    response = outsider_desk.get(URL, {"q": "elodie"})

    assert names(response) == []
    assert "No patient matches" in response.content.decode()


def test_leads_and_patients_can_be_shown_apart(desk, organization, elodie):
    lead = LeadFactory(organization=organization, given_name="Lead", family_name="Caller")

    assert names(desk.get(URL, {"status": "lead"})) == [lead.display_name]
    assert names(desk.get(URL, {"status": "active"})) == [elodie.display_name]
    assert "Lead" in desk.get(URL, {"status": "lead"}).content.decode()


def test_pages_go_forward_and_back_without_counting_the_table(desk, organization):
    for i in range(30):
        PatientFactory(organization=organization, given_name=f"P{i:02d}", family_name="Paged")

    with CaptureQueriesContext(connection) as queries:
        first = desk.get(URL, {"q": "paged"})
    second = desk.get(URL, {"q": "paged", "page": "2"})

    assert len(first.context["patients"]) == 25 and first.context["has_next"]
    assert len(second.context["patients"]) == 5 and not second.context["has_next"]
    assert second.context["has_previous"]
    assert "page=2" in first.content.decode() and "q=paged" in first.content.decode()
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert set(names(first)).isdisjoint(names(second))


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999"])
def test_a_strange_page_number_is_not_an_error(desk, organization, elodie, page):
    assert desk.get(URL, {"page": page}).status_code == 200


@pytest.mark.parametrize("rows", [2, 40])
def test_the_search_page_query_count_does_not_grow_with_rows(desk, organization, rows, django_assert_max_num_queries):
    for _ in range(rows):
        PatientFactory(organization=organization, family_name="Same")

    # session, user, organization, one page of patients, the access events (one INSERT), the session
    # save (+ its savepoint in tests).
    with django_assert_max_num_queries(8):
        response = desk.get(URL, {"q": "same"})
    with django_assert_max_num_queries(8):
        desk.get(URL, {"q": "4165550001"})

    assert len(response.context["patients"]) == min(rows, 25)
    assert Patient.objects.count() == rows
