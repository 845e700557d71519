"""Tenancy: one organization's querysets never return another organization's rows, and a row
of another organization answers 404 exactly like a missing one."""

import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.http import Http404
from django.utils import timezone

from organizations.models import ApiKey, Membership, PatientGroup, Provider
from organizations.scoping import get_for_organization_or_404
from organizations.selectors import admin_organizations_for_user, membership_role, organizations_for_user
from organizations.services import issue_api_key
from patients.merging.models import DuplicatePair, PatientMerge
from patients.models import (
    HealthCard,
    IdempotencyRecord,
    MessageDelivery,
    Patient,
    PatientToken,
    Verification,
)
from tests.factories import (
    HealthCardFactory,
    LeadFactory,
    MembershipFactory,
    OrganizationFactory,
    PatientFactory,
    PatientGroupFactory,
    ProviderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def make_rows(organization, tag):
    """One row of every tenant model, in `organization`."""
    patient = PatientFactory(organization=organization)
    # Rows about two patients: the second lives in an organization of its own, so that each organization
    # here still has exactly one patient (only the row's own organization column is under test).
    elsewhere = PatientFactory(organization=OrganizationFactory())
    pair = sorted([patient, elsewhere], key=lambda p: str(p.pk))
    return {
        Provider: ProviderFactory(organization=organization),
        PatientGroup: PatientGroupFactory(organization=organization),
        Membership: MembershipFactory(organization=organization),
        ApiKey: issue_api_key(organization, name=f"key {tag}")[0],
        Patient: patient,
        HealthCard: HealthCardFactory(patient=patient, organization=organization),
        Verification: Verification.objects.create(organization=organization, patient=patient, channel="email"),
        IdempotencyRecord: IdempotencyRecord.objects.create(
            organization=organization, key=f"idem-{tag}", request_fingerprint="f" * 64
        ),
        PatientToken: PatientToken.objects.create(
            organization=organization, patient=patient, token_hash=uuid.uuid4().hex,
            expires_at=timezone.now() + timedelta(hours=1),
        ),
        MessageDelivery: MessageDelivery.objects.create(
            organization=organization, patient=patient, channel="email", destination=patient.email
        ),
        PatientMerge: PatientMerge.objects.create(organization=organization, merged=patient, survivor=elsewhere),
        DuplicatePair: DuplicatePair.objects.create(organization=organization, patient_a=pair[0], patient_b=pair[1],
                                                    found_at=timezone.now()),
    }


def tenant_models():
    """Every model with an organization column, except django-simple-history's copies
    (read only through their patient's `.history`)."""
    return {
        model for model in apps.get_models()
        if any(f.name == "organization" for f in model._meta.fields)
        and not model.__name__.startswith("Historical")
    }


def test_every_tenant_model_has_an_organization_scoped_manager():
    for model in tenant_models():
        assert hasattr(model.objects, "for_organization"), f"{model.__name__} has no for_organization()"


def test_the_rows_built_here_cover_every_tenant_model(organization):
    assert set(make_rows(organization, "a")) >= {
        m for m in tenant_models() if m._meta.app_label in ("organizations", "patients")
    }


def test_for_organization_returns_only_that_organizations_rows(organization, other_organization):
    mine = make_rows(organization, "mine")
    theirs = make_rows(other_organization, "theirs")
    for model, row in mine.items():
        assert list(model.objects.for_organization(organization)) == [row], model.__name__
        assert list(model.objects.for_organization(other_organization)) == [theirs[model]], model.__name__


def test_for_organization_of_none_returns_nothing(organization):
    make_rows(organization, "a")
    for model in tenant_models():
        assert not model.objects.for_organization(None).exists(), model.__name__


def test_patient_queryset_helpers_stay_inside_the_organization(organization, other_organization):
    lead = LeadFactory(organization=organization)
    active = PatientFactory(organization=organization)
    LeadFactory(organization=other_organization)
    PatientFactory(organization=other_organization)
    assert list(Patient.objects.for_organization(organization).leads()) == [lead]
    assert list(Patient.objects.for_organization(organization).active()) == [active]


def test_for_organizations_covers_several(organization, other_organization):
    a = PatientFactory(organization=organization)
    b = PatientFactory(organization=other_organization)
    PatientFactory(organization=OrganizationFactory())
    assert set(Patient.objects.for_organizations([organization, other_organization])) == {a, b}


# --- get_for_organization_or_404 ---

def test_get_for_organization_or_404_finds_the_organizations_own_row(organization):
    patient = PatientFactory(organization=organization)
    assert get_for_organization_or_404(Patient, organization, pk=patient.pk) == patient
    assert get_for_organization_or_404(Patient.objects.active(), organization, pk=str(patient.pk)) == patient


@pytest.mark.parametrize("lookup_id", ["other organization", "missing", "not-a-uuid", "", "12", "' OR 1=1 --"])
def test_get_for_organization_or_404_answers_404_alike(organization, other_organization, lookup_id):
    theirs = PatientFactory(organization=other_organization)
    pk = {"other organization": theirs.pk, "missing": uuid.uuid4()}.get(lookup_id, lookup_id)
    with pytest.raises(Http404) as caught:
        get_for_organization_or_404(Patient, organization, pk=pk)
    assert str(caught.value) == "Not found."


def test_get_for_organization_or_404_with_no_organization_is_404(organization):
    patient = PatientFactory(organization=organization)
    with pytest.raises(Http404):
        get_for_organization_or_404(Patient, None, pk=patient.pk)


def test_get_for_organization_or_404_for_integer_keyed_models(organization, other_organization):
    record = IdempotencyRecord.objects.create(organization=other_organization, key="k", request_fingerprint="f")
    for pk in (record.pk, "abc", 10**30):
        with pytest.raises(Http404):
            get_for_organization_or_404(IdempotencyRecord, organization, pk=pk)


def test_get_for_organization_or_404_on_every_tenant_model(organization, other_organization):
    theirs = make_rows(other_organization, "theirs")
    for model, row in theirs.items():
        with pytest.raises(Http404):
            get_for_organization_or_404(model, organization, pk=row.pk)
        assert get_for_organization_or_404(model, other_organization, pk=row.pk) == row


# --- who works where ---

def test_organizations_for_user_lists_only_active_memberships(organization, other_organization, member):
    inactive = OrganizationFactory(is_active=False)
    MembershipFactory(user=member, organization=inactive)
    assert list(organizations_for_user(member)) == [organization]


def test_organizations_for_user_for_superuser_and_anonymous(organization, other_organization, superuser):
    from django.contrib.auth.models import AnonymousUser

    assert set(organizations_for_user(superuser)) == {organization, other_organization}
    assert not organizations_for_user(AnonymousUser()).exists()
    assert not organizations_for_user(None).exists()


def test_admin_organizations_only_where_the_user_is_an_admin(organization, other_organization, member, outsider):
    assert not admin_organizations_for_user(member).exists()
    assert list(admin_organizations_for_user(outsider)) == [other_organization]


def test_membership_role(organization, other_organization, owner, member, superuser):
    assert membership_role(owner, organization) == Membership.Role.ADMIN
    assert membership_role(member, organization) == Membership.Role.FRONT_DESK
    assert membership_role(member, other_organization) is None
    assert membership_role(superuser, other_organization) == Membership.Role.ADMIN
    assert membership_role(UserFactory(), organization) is None
