"""The patients changelist: columns, filters, search (the API's rule), and a query count that does
not grow with the rows on the page."""

import datetime

import pytest
from django.urls import reverse

from patients.models import Patient
from tests.factories import HealthCardFactory, LeadFactory, PatientFactory

URL = reverse("admin:patients_patient_changelist")


def names(response):
    return {p.display_name for p in response.context["cl"].result_list}


def test_columns(login, owner, maple_patient):
    page = login(owner).get(URL)
    text = page.content.decode()
    for header in ("number", "name", "date of birth", "phone", "status", "organization", "created"):
        assert f">{header.capitalize()}<" in text or header in text.lower()
    assert "Élodie Tremblay" in text
    assert "(416) 555-0101" in text and "+14165550101" not in text  # for reading, not E.164
    d = maple_patient.date_of_birth
    assert f"{d.day} {d.strftime('%b')} {d.year}" in text  # one unambiguous format, e.g. 15 Mar 1984


def test_search_by_date_says_which_dates_were_searched(login, owner, organization):
    first = PatientFactory(organization=organization, given_name="Ann", date_of_birth=datetime.date(1984, 4, 3))
    second = PatientFactory(organization=organization, given_name="Bea", date_of_birth=datetime.date(1984, 3, 4))
    response = login(owner).get(URL, {"q": "03/04/1984"})

    assert {p.pk for p in response.context["cl"].result_list} == {first.pk, second.pk}
    text = response.content.decode()
    assert "can be read two ways" in text and "<strong>3 Apr 1984</strong> and <strong>4 Mar 1984</strong>" in text
    assert {p.pk for p in login(owner).get(URL, {"q": "4 mars 1984"}).context["cl"].result_list} == {second.pk}


def test_a_leads_phone_is_shown_as_sent_with_its_calling_code(login, owner, organization):
    LeadFactory(organization=organization, phone="", calling_code="+971", local_phone="12")
    assert "+971 12" in login(owner).get(URL).content.decode()


@pytest.fixture
def mixed(organization):
    today = datetime.date.today()
    a = PatientFactory(organization=organization, given_name="Ann", family_name="Ontario", province="ON",
                       has_insurance=True)
    b = PatientFactory(organization=organization, given_name="Bea", family_name="Quebec", province="QC")
    c = LeadFactory(organization=organization, given_name="Cal", family_name="Lead", province="NY")
    d = PatientFactory(organization=organization, given_name="Dee", family_name="Archived", province="",
                       status=Patient.Status.ARCHIVED)
    Patient.objects.filter(pk=d.pk).update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    return {"ON": a, "QC": b, "lead": c, "archived": d, "today": today}


@pytest.mark.parametrize("params, expected", [
    ({"status": "lead"}, {"Cal Lead"}),
    ({"status": "active"}, {"Ann Ontario", "Bea Quebec"}),
    ({"status": "archived"}, {"Dee Archived"}),
    ({"province": "QC"}, {"Bea Quebec"}),
    ({"province": "other"}, {"Cal Lead"}),
    ({"province": "none"}, {"Dee Archived"}),
    ({"has_insurance__exact": "1"}, {"Ann Ontario"}),
    ({"created_at__gte": "2021-01-01 00:00:00+00:00"}, {"Ann Ontario", "Bea Quebec", "Cal Lead"}),
])
def test_filters(login, owner, mixed, params, expected):
    response = login(owner).get(URL, params)
    assert response.status_code == 200
    assert names(response) == expected


@pytest.fixture
def searchable(organization, other_organization):
    jane = PatientFactory(organization=organization, given_name="Jane", family_name="Côté",
                          email="Jane.Doe@Example.com", phone="+14165550123")
    HealthCardFactory(patient=jane, number="9287170261", version_code="DK", province="ON")
    PatientFactory(organization=organization, given_name="John", family_name="Smith", phone="+16135550199")
    twin = PatientFactory(organization=other_organization, given_name="Jane", family_name="Côté",
                          email="jane.doe@example.com", phone="+14165550123")
    HealthCardFactory(patient=twin, number="9287170261", version_code="DK", province="ON")
    return {"jane": jane, "twin": twin}


@pytest.mark.parametrize("term", [
    "jane", "cote", "COTÉ", "jan cot", "jane.doe@example.com", "JANE.DOE@EXAMPLE.COM",
    "(416) 555-0123", "416 555 0123", "+1 416-555-0123", "4165550123",
    "9287-170-261", "9287 170 261",
])
def test_search_finds_the_patient_however_it_is_typed(login, owner, searchable, term):
    response = login(owner).get(URL, {"q": term})
    assert response.status_code == 200
    assert [p.pk for p in response.context["cl"].result_list] == [searchable["jane"].pk]


def test_search_by_patient_number(login, owner, searchable):
    response = login(owner).get(URL, {"q": str(searchable["jane"].patient_number)})
    assert searchable["jane"].pk in [p.pk for p in response.context["cl"].result_list]


def test_superuser_search_spans_organizations_with_the_same_rule(login, superuser, searchable):
    for term in ("9287170261", "(416) 555-0123", "jane"):
        response = login(superuser).get(URL, {"q": term})
        assert len(response.context["cl"].result_list) == 2


def test_superuser_search_reads_phones_in_each_organizations_region(login, superuser, organization,
                                                                   other_organization):
    other_organization.default_phone_region = "GB"
    other_organization.save()
    PatientFactory(organization=organization, given_name="Cora", phone="+14165550123")
    PatientFactory(organization=other_organization, given_name="Gwen", phone="+442079460958")
    response = login(superuser).get(URL, {"q": "020 7946 0958"})
    assert {p.given_name for p in response.context["cl"].result_list} == {"Gwen"}


def test_search_within_the_chosen_organization(login, superuser, searchable, organization):
    response = login(superuser).get(URL, {"q": "jane", "organization": str(organization.pk)})
    assert [p.pk for p in response.context["cl"].result_list] == [searchable["jane"].pk]


@pytest.mark.parametrize("term", ["9287170261", "jane", "(416) 555-0123", "jane.doe@example.com"])
def test_search_is_scoped_for_organization_admins(login, outsider, searchable, term):
    response = login(outsider).get(URL, {"q": term})
    assert [p.pk for p in response.context["cl"].result_list] == [searchable["twin"].pk]


@pytest.mark.parametrize("term, status", [("²", 200), ("\x00", 400), ("jane\x00", 400), ("9287170261\x00", 400)])
def test_odd_characters_in_a_search_are_no_crash(login, owner, searchable, term, status):
    # '²' passes str.isdigit() but not int(); NUL, which PostgreSQL cannot take, is refused (strict_input).
    response = login(owner).get(URL, {"q": term})
    assert response.status_code == status


def _page_queries(login, user, django_assert_max_num_queries, limit):
    client = login(user)
    client.get(URL)  # warm the session and content types
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.context["cl"].result_list)


@pytest.mark.parametrize("user_fixture", ["owner", "superuser"])
def test_changelist_query_count_does_not_grow_with_rows(request, login, organization, django_assert_max_num_queries,
                                                        user_fixture):
    user = request.getfixturevalue(user_fixture)
    PatientFactory.create_batch(3, organization=organization)
    # 14 with the access log's one INSERT for the page's rows.
    few, shown_few = _page_queries(login, user, django_assert_max_num_queries, 14)
    PatientFactory.create_batch(40, organization=organization)
    many, shown_many = _page_queries(login, user, django_assert_max_num_queries, 14)
    assert (shown_few, shown_many) == (3, 43)
    assert many == few


def test_changelist_never_counts_the_whole_table(login, superuser, organization, django_assert_max_num_queries):
    PatientFactory.create_batch(3, organization=organization)
    client = login(superuser)
    with django_assert_max_num_queries(13) as captured:  # 13 with the access log's INSERT
        response = client.get(URL, {"status": "active"})
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    # one count (of the filtered rows, capped on PostgreSQL), never a second full-table count
    assert len(counts) == 1
    assert response.context["cl"].full_result_count is None
