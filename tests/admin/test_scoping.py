"""Organization scoping on every admin page: lists, filters, autocomplete, object URLs."""

import uuid

import pytest
from django.urls import reverse

from patients.models import Patient

MODELS = ["organizations.organization", "organizations.provider", "organizations.patientgroup",
          "organizations.apikey", "patients.patient"]


def changelist(model):
    app, name = model.split(".")
    return reverse(f"admin:{app}_{name}_changelist")


@pytest.fixture
def rows(organization, other_organization, maple_patient, birch_patient, maple_provider, birch_provider,
         maple_group, birch_group, api_key, other_api_key):
    return {
        "maple": {"organizations.organization": organization, "organizations.provider": maple_provider,
                  "organizations.patientgroup": maple_group, "organizations.apikey": api_key,
                  "patients.patient": maple_patient},
        "birch": {"organizations.organization": other_organization, "organizations.provider": birch_provider,
                  "organizations.patientgroup": birch_group, "organizations.apikey": other_api_key,
                  "patients.patient": birch_patient},
    }


def label(obj):
    return obj.display_name if isinstance(obj, Patient) else obj.name


@pytest.mark.parametrize("model", MODELS)
def test_organization_admin_lists_only_their_organizations_rows(login, owner, rows, model):
    page = login(owner).get(changelist(model))
    assert page.status_code == 200
    assert label(rows["maple"][model]) in page.content.decode()
    assert label(rows["birch"][model]) not in page.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_outsider_lists_only_the_other_organizations_rows(login, outsider, rows, model):
    page = login(outsider).get(changelist(model))
    assert page.status_code == 200
    assert label(rows["birch"][model]) in page.content.decode()
    assert label(rows["maple"][model]) not in page.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_superuser_lists_every_organizations_rows(login, superuser, rows, model):
    page = login(superuser).get(changelist(model)).content.decode()
    assert label(rows["maple"][model]) in page and label(rows["birch"][model]) in page


@pytest.mark.parametrize("model", MODELS)
def test_front_desk_staff_get_no_admin_pages(login, member, rows, model):
    client = login(member)
    assert client.get(changelist(model)).status_code == 403
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "have permission to view or edit anything" in index.content.decode()


def test_organization_admin_index_lists_the_tenant_models_only(login, owner, rows):
    page = login(owner).get(reverse("admin:index")).content.decode()
    for model in MODELS:
        assert changelist(model) in page
    assert reverse("admin:auth_user_changelist") not in page


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_organizations_object_answers_404(login, owner, rows, model, view):
    app, name = model.split(".")
    client = login(owner)
    birch = rows["birch"][model]
    assert client.get(reverse(f"admin:{app}_{name}_{view}", args=[birch.pk])).status_code == 404
    # exactly like an object that does not exist at all
    assert client.get(reverse(f"admin:{app}_{name}_{view}", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize("model", MODELS)
def test_their_own_objects_open(login, owner, rows, model):
    app, name = model.split(".")
    client = login(owner)
    maple = rows["maple"][model]
    assert client.get(reverse(f"admin:{app}_{name}_change", args=[maple.pk])).status_code == 200
    assert client.get(reverse(f"admin:{app}_{name}_history", args=[maple.pk])).status_code == 200


def test_a_post_to_another_organizations_patient_changes_nothing(login, owner, birch_patient):
    url = reverse("admin:patients_patient_change", args=[birch_patient.pk])
    response = login(owner).post(url, {"given_name": "Hacked"})
    assert response.status_code == 404
    birch_patient.refresh_from_db()
    assert birch_patient.given_name == "Bruno"


def test_patient_history_versions_of_another_organization_answer_404(login, owner, birch_patient):
    version = birch_patient.history.first()
    url = reverse("admin:patients_patient_simple_history", args=[birch_patient.pk, version.history_id])
    assert login(owner).get(url).status_code == 404


def test_other_organizations_do_not_appear_in_the_organization_filter(login, owner, rows):
    page = login(owner).get(changelist("patients.patient")).content.decode()
    assert "Maple Clinic" in page
    assert "Birch Clinic" not in page


def test_superuser_filters_by_organization(login, superuser, rows, other_organization):
    page = login(superuser).get(changelist("patients.patient"), {"organization": str(other_organization.pk)})
    text = page.content.decode()
    assert "Bruno" in text and "Élodie" not in text


def test_filtering_on_another_organization_shows_nothing_of_it(login, owner, rows, other_organization):
    page = login(owner).get(changelist("patients.patient"), {"organization": str(other_organization.pk)})
    assert page.status_code == 200
    assert "Bruno" not in page.content.decode()


def test_a_lookup_outside_the_filters_is_refused(login, owner, rows):
    response = login(owner).get(changelist("patients.patient"), {"organization__slug": "birch"})
    assert response.status_code in (302, 400)
    assert "Bruno" not in response.content.decode()


def autocomplete(client, model_name, field_name, term="", app_label="patients"):
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term,
    })
    return response


@pytest.mark.parametrize("field_name", ["providers", "groups"])
def test_autocomplete_offers_only_their_organizations_choices(login, owner, outsider, superuser, rows, field_name):
    kind = "organizations.provider" if field_name == "providers" else "organizations.patientgroup"
    maple, birch = label(rows["maple"][kind]), label(rows["birch"][kind])

    def texts(user):
        response = autocomplete(login(user), "patient", field_name)
        assert response.status_code == 200
        return {r["text"] for r in response.json()["results"]}

    assert texts(owner) == {maple}
    assert texts(outsider) == {birch}
    assert texts(superuser) == {maple, birch}


def test_autocomplete_search_does_not_reach_other_organizations(login, owner, rows):
    response = autocomplete(login(owner), "patient", "providers", term="Birch")
    assert response.json()["results"] == []


def test_organization_autocomplete_is_scoped(login, owner, rows):
    response = autocomplete(login(owner), "provider", "organization", app_label="organizations")
    assert [r["text"] for r in response.json()["results"]] == ["Maple Clinic"]


def test_front_desk_staff_get_no_autocomplete(login, member, rows):
    assert autocomplete(login(member), "patient", "providers").status_code == 403


def test_picking_users_for_memberships_does_not_list_other_organizations_staff(login, owner, outsider, organization):
    page = login(owner).get(reverse("admin:organizations_organization_change", args=[organization.pk]))
    text = page.content.decode()
    assert ">owner<" in text
    assert ">outsider<" not in text


def test_add_patient_offers_only_their_organizations(login, owner, rows, maple_provider):
    page = login(owner).get(reverse("admin:patients_patient_add")).content.decode()
    assert "Maple Clinic" in page and "Birch Clinic" not in page


def test_organization_admin_cannot_create_or_delete_organizations(login, owner, organization):
    client = login(owner)
    assert client.get(reverse("admin:organizations_organization_add")).status_code == 403
    assert client.get(reverse("admin:organizations_organization_delete", args=[organization.pk])).status_code == 403
