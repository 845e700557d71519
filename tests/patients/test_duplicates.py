"""find_possible_duplicates: who in the organization is probably the same person, and why."""

from datetime import date

import pytest

from patients.duplicates import find_possible_duplicates
from patients.models import Patient
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory

pytestmark = pytest.mark.django_db

BORN = date(1985, 4, 12)


@pytest.fixture
def ana(organization):
    return PatientFactory(
        organization=organization, given_name="Ana", family_name="Lima", date_of_birth=BORN,
        email="Ana.Lima@example.com", phone="+14165550123",
    )


def reasons(organization, **described):
    return {m.patient: m.reasons for m in find_possible_duplicates(organization, **described)}


def test_same_phone(organization, ana):
    assert reasons(organization, given_name="Bo", family_name="Chen", phone="+14165550123") == {ana: ["same phone"]}


def test_same_email_in_any_case(organization, ana):
    assert reasons(organization, email="ANA.LIMA@EXAMPLE.COM") == {ana: ["same email"]}


def test_same_health_card(organization, ana):
    HealthCardFactory(patient=ana, number="9876543217", province="ON")
    assert reasons(organization, health_card_number="9876543217", health_card_province="ON") == {
        ana: ["same health card"]}
    assert reasons(organization, health_card_number="9876543217") == {ana: ["same health card"]}
    assert reasons(organization, health_card_number="9876543217", health_card_province="NS") == {}


def test_same_family_name_and_date_of_birth(organization, ana):
    assert reasons(organization, given_name="Maria", family_name="LIMA", date_of_birth=BORN) == {
        ana: ["same family name and date of birth"]}


def test_family_name_with_and_without_accents_is_the_same(organization):
    berube = PatientFactory(organization=organization, given_name="Élodie", family_name="Bérubé", date_of_birth=BORN)
    assert reasons(organization, given_name="Elodie", family_name="Berube", date_of_birth=BORN) == {
        berube: ["same family name and date of birth"]}


def test_similar_name_with_accents_and_the_same_date_of_birth(organization):
    elodie = PatientFactory(organization=organization, given_name="Élodie", family_name="Tremblay-Roy",
                            date_of_birth=BORN)
    assert reasons(organization, given_name="Elodie", family_name="Tremblay Roy", date_of_birth=BORN) == {
        elodie: ["similar name and same date of birth"]}


def test_given_and_family_name_swapped(organization):
    wei = PatientFactory(organization=organization, given_name="Li", family_name="Wei", date_of_birth=BORN)
    assert reasons(organization, given_name="Wei", family_name="Li", date_of_birth=BORN) == {
        wei: ["similar name and same date of birth"]}


def test_a_small_typo_in_the_name(organization):
    jon = PatientFactory(organization=organization, given_name="Jonathan", family_name="Smith", date_of_birth=BORN)
    assert reasons(organization, given_name="Johnathan", family_name="Smyth", date_of_birth=BORN) == {
        jon: ["similar name and same date of birth"]}


def test_someone_else_born_the_same_day_is_no_match(organization, ana):
    assert reasons(organization, given_name="Bo", family_name="Chen", date_of_birth=BORN) == {}


def test_the_same_name_born_another_day_is_no_match(organization, ana):
    assert reasons(organization, given_name="Ana", family_name="Lima", date_of_birth=date(1985, 4, 13)) == {}


def test_several_reasons_come_first(organization, ana):
    phone_only = PatientFactory(organization=organization, phone="+14165550199")
    matches = find_possible_duplicates(
        organization, given_name="Ana", family_name="Lima", date_of_birth=BORN, phone="+14165550199",
        email="ana.lima@example.com",
    )
    assert [m.patient for m in matches] == [ana, phone_only]
    assert matches[0].reasons == ["same email", "same family name and date of birth"]


def test_nothing_described_finds_nothing(organization, ana):
    assert find_possible_duplicates(organization) == []
    assert find_possible_duplicates(organization, given_name="Ana", family_name="Lima") == []


def test_no_match_across_organizations(organization, other_organization, ana):
    HealthCardFactory(patient=ana, number="9876543217", province="ON")
    assert reasons(
        other_organization, given_name="Ana", family_name="Lima", date_of_birth=BORN, phone="+14165550123",
        email="ana.lima@example.com", health_card_number="9876543217", health_card_province="ON",
    ) == {}


def test_exclude_leaves_out_the_patient_itself(organization, ana):
    assert reasons(organization, phone="+14165550123", exclude=ana) == {}


def test_statuses_filter(organization, ana):
    lead = LeadFactory(organization=organization, phone="+14165550123")
    archived = PatientFactory(organization=organization, phone="+14165550123", status=Patient.Status.ARCHIVED)
    assert set(reasons(organization, phone="+14165550123")) == {ana, lead}
    assert set(reasons(organization, phone="+14165550123", statuses=(Patient.Status.ACTIVE,))) == {ana}
    assert set(reasons(organization, phone="+14165550123", statuses=(Patient.Status.LEAD,))) == {lead}
    assert set(reasons(organization, phone="+14165550123", statuses=(Patient.Status.ARCHIVED,))) == {archived}


def test_patients_without_email_never_match_on_email(organization):
    PatientFactory(organization=organization, email="")
    assert reasons(organization, email="") == {}


def test_duplicate_search_is_one_or_two_queries(organization, ana, django_assert_max_num_queries):
    HealthCardFactory(patient=ana, number="9876543217", province="ON")
    for _ in range(20):
        PatientFactory(organization=organization, date_of_birth=BORN)
    with django_assert_max_num_queries(2):
        find_possible_duplicates(
            organization, given_name="Ana", family_name="Lima", date_of_birth=BORN, phone="+14165550123",
            email="ana.lima@example.com", health_card_number="9876543217", health_card_province="ON",
        )


def test_a_lead_is_compared_with_active_patients_with_what_promotion_changes(organization, ana):
    from patients.duplicates import find_duplicates_of_lead
    from patients.health_cards import check_health_card

    HealthCardFactory(patient=ana, number="9876543217", province="ON")
    LeadFactory(organization=organization, phone="+14165550199")  # another lead is never a match
    lead = LeadFactory(organization=organization, given_name="Zed", family_name="Zulu", phone="+14165550199")
    assert find_duplicates_of_lead(lead) == []

    # What promotion will change replaces the lead's own details and card.
    card = check_health_card("9876543217", "ON")
    assert [(m.patient, m.reasons) for m in find_duplicates_of_lead(lead, health_card=card)] == [
        (ana, ["same health card"])]
    matches = find_duplicates_of_lead(lead, {"phone": "+14165550123", "date_of_birth": BORN, "family_name": "LIMA"})
    assert [(m.patient, m.reasons) for m in matches] == [(ana, ["same phone", "same family name and date of birth"])]
