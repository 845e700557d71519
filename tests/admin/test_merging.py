"""Admin: "Merge into…" action and compare page, a merged record's change page with "Undo merge",
archive/restore actions, searches hiding merged records."""

from datetime import date

import pytest
from django.urls import reverse

from patients.access_log import AccessEvent
from patients.merging.models import PatientMerge
from patients.models import Patient
from tests.factories import LeadFactory, PatientFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:patients_patient_changelist")


@pytest.fixture
def pair(organization):
    older = PatientFactory(organization=organization, given_name="Omar", family_name="Haddad", province="",
                           date_of_birth=date(1980, 5, 6))
    newer = PatientFactory(organization=organization, given_name="Omar", family_name="Hadad", province="ON",
                           date_of_birth=date(1980, 5, 6))
    return older, newer


def compare_url(merged, survivor):
    return reverse("admin:patients_patient_merge_into", args=[merged.pk, survivor.pk])


def test_the_action_opens_the_compare_page_with_the_older_record_surviving(login, owner, pair):
    older, newer = pair
    response = login(owner).post(CHANGELIST, {"action": "merge_selected", "_selected_action": [older.pk, newer.pk]})
    assert response.status_code == 302 and response["Location"] == compare_url(newer, older)


def test_the_action_needs_exactly_two_records(login, owner, pair):
    response = login(owner).post(CHANGELIST, {"action": "merge_selected", "_selected_action": [pair[0].pk]},
                                 follow=True)
    assert "Select exactly two records" in response.content.decode()


def test_compare_then_confirm_merges_through_the_admin_door(login, owner, pair):
    older, newer = pair
    client = login(owner)
    page = client.get(compare_url(newer, older))
    assert page.status_code == 200 and 'name="keep_family_name"' in page.content.decode()
    assert set(AccessEvent.objects.values_list("patient_id", "action")) == {(older.pk, "view"), (newer.pk, "view")}

    response = client.post(compare_url(newer, older), {"keep_family_name": "merged", "reason": "Typo"})

    assert response.status_code == 302
    older.refresh_from_db()
    assert (older.family_name, older.province) == ("Hadad", "ON")
    assert PatientMerge.objects.get().channel == "admin"


def test_a_merged_records_change_page_links_its_survivor_and_undoes(login, owner, pair):
    older, newer = pair
    client = login(owner)
    client.post(compare_url(newer, older), {})

    page = client.get(reverse("admin:patients_patient_change", args=[newer.pk])).content.decode()
    assert 'data-testid="merged-banner"' in page
    assert reverse("admin:patients_patient_change", args=[older.pk]) in page

    client.post(reverse("admin:patients_patient_unmerge", args=[newer.pk]))
    assert Patient.objects.get(pk=newer.pk).status == Patient.Status.ACTIVE


def test_another_organizations_record_is_a_404(login, owner, pair, other_organization):
    stranger = PatientFactory(organization=other_organization)
    assert login(owner).get(compare_url(stranger, pair[0])).status_code == 404
    assert login(owner).post(compare_url(pair[0], stranger)).status_code == 404


def test_a_refused_merge_is_shown_and_merges_nothing(login, owner, organization, pair):
    lead = LeadFactory(organization=organization)
    response = login(owner).post(compare_url(pair[0], lead), {})
    assert response.status_code == 409 and "cannot be merged into a lead" in response.content.decode()
    assert not PatientMerge.objects.exists()


def test_archive_and_restore_actions(login, owner, pair):
    client = login(owner)
    client.post(CHANGELIST, {"action": "archive_selected", "_selected_action": [pair[0].pk]})
    assert Patient.objects.get(pk=pair[0].pk).status == Patient.Status.ARCHIVED
    client.post(CHANGELIST, {"action": "restore_selected", "_selected_action": [pair[0].pk]})
    assert Patient.objects.get(pk=pair[0].pk).status == Patient.Status.ACTIVE
    assert Patient.history.filter(id=pair[0].pk).latest("history_date").history_channel == "admin"


def test_a_search_hides_merged_records_unless_filtered(login, owner, pair):
    older, newer = pair
    client = login(owner)
    client.post(compare_url(newer, older), {})

    shown = {p.pk for p in client.get(CHANGELIST, {"q": "omar"}).context["cl"].result_list}
    assert shown == {older.pk}
    shown = {p.pk for p in client.get(CHANGELIST, {"q": "omar", "status": "merged"}).context["cl"].result_list}
    assert shown == {newer.pk}
