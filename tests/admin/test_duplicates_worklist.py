"""The duplicates worklist page for organization admins: pairs with reasons, Merge, Not the same person."""

from datetime import date

import pytest
from django.urls import reverse

from patients.merging.models import DuplicatePair
from patients.merging.worklist import build_worklist
from patients.pagination import EstimatedCountPaginator
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
WORKLIST = reverse("admin:patients_duplicatepair_changelist")


@pytest.fixture
def pairs(organization, other_organization):
    for org in (organization, other_organization):
        PatientFactory.create_batch(2, organization=org, family_name="Roy", date_of_birth=date(1980, 5, 6))
    build_worklist()
    return DuplicatePair.objects.all()


def test_an_org_admin_sees_only_their_pairs_with_reasons_and_a_merge_link(login, owner, organization, pairs):
    page = login(owner).get(WORKLIST)

    assert page.status_code == 200
    shown = list(page.context["cl"].result_list)
    assert [p.organization_id for p in shown] == [organization.pk]
    text = page.content.decode()
    assert "same family name and date of birth" in text
    pair = shown[0]
    assert reverse("admin:patients_patient_merge_into", args=[pair.patient_b_id, pair.patient_a_id]) in text \
        or reverse("admin:patients_patient_merge_into", args=[pair.patient_a_id, pair.patient_b_id]) in text


def test_front_desk_staff_have_no_worklist(login, member, pairs):
    assert login(member).get(WORKLIST).status_code in (302, 403)


def test_not_the_same_person_is_remembered_and_the_pair_never_comes_back(login, owner, organization, pairs):
    client = login(owner)
    mine = pairs.get(organization=organization)

    client.post(WORKLIST, {"action": "not_the_same_person", "_selected_action": [mine.pk]})
    build_worklist()

    assert list(client.get(WORKLIST).context["cl"].result_list) == []
    mine.refresh_from_db()
    assert mine.dismissed_at is not None and mine.dismissed_by_label == "owner (Admin)"


@pytest.mark.parametrize("more", [0, 10])
def test_the_page_reads_a_fixed_number_of_queries_and_never_counts_every_pair(login, owner, organization, pairs,
                                                                            more, django_assert_max_num_queries):
    PatientFactory.create_batch(more, organization=organization, family_name="Roy", date_of_birth=date(1980, 5, 6))
    build_worklist()
    client = login(owner)
    with django_assert_max_num_queries(13):  # PostgreSQL: + the planner's estimate (EXPLAIN) before a capped count
        response = client.get(WORKLIST)
    assert response.status_code == 200
    # The changelist's paginator: PostgreSQL's estimate instead of COUNT(*) past 10,000 pairs.
    assert isinstance(response.context["cl"].paginator, EstimatedCountPaginator)
    assert response.context["cl"].show_full_result_count is False
