"""Organization-side constraints, enforced by the database itself (not only by forms), and the
per-organization patient number sequence."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from organizations.models import ApiKey, Membership, Organization, PatientGroup, Provider
from organizations.services import create_organization, issue_api_key, revoke_api_key
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PatientFactory,
    PatientGroupFactory,
    ProviderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused_by_database(create):
    """`create` bypasses every service and form: only a database constraint can stop it."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


# --- Organization ---

def test_slug_is_unique():
    Organization.objects.create(name="Maple", slug="maple")
    refused_by_database(lambda: Organization.objects.create(name="Maple again", slug="maple"))


def test_portal_domain_is_unique_when_set_and_many_organizations_may_have_none():
    Organization.objects.create(name="A", slug="a", portal_domain="portal.a-clinic.ca")
    Organization.objects.create(name="B", slug="b", portal_domain=None)
    Organization.objects.create(name="C", slug="c", portal_domain=None)
    refused_by_database(lambda: Organization.objects.create(name="D", slug="d", portal_domain="portal.a-clinic.ca"))


def test_create_organization_stores_an_empty_portal_domain_as_none_so_it_never_collides():
    first = create_organization("A", slug="a", portal_domain="")
    second = create_organization("B", slug="b", portal_domain="")
    assert first.portal_domain is None and second.portal_domain is None


def test_create_organization_refuses_an_unknown_phone_region():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create_organization("A", slug="a", default_phone_region="ZZ")
    assert not Organization.objects.exists()


# --- Membership, providers, groups ---

def test_membership_is_unique_per_user_and_organization(organization, other_organization):
    user = UserFactory()
    MembershipFactory(user=user, organization=organization)
    MembershipFactory(user=user, organization=other_organization)  # a user may work in several
    refused_by_database(
        lambda: Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    )


def test_provider_and_group_names_are_unique_per_organization(organization, other_organization):
    ProviderFactory(organization=organization, name="Dr. Chen")
    ProviderFactory(organization=other_organization, name="Dr. Chen")
    refused_by_database(lambda: Provider.objects.create(organization=organization, name="Dr. Chen"))
    PatientGroupFactory(organization=organization, name="Prenatal")
    PatientGroupFactory(organization=other_organization, name="Prenatal")
    refused_by_database(lambda: PatientGroup.objects.create(organization=organization, name="Prenatal"))


# --- API keys ---

def test_issued_key_is_stored_hashed_with_only_a_short_prefix_in_clear(organization):
    key, raw = issue_api_key(organization, name="EMR bridge")
    assert raw.startswith("pik_") and len(raw) > 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in (stored.key_hash, stored.prefix)
    assert stored.prefix == raw[4:12]
    assert ApiKey.objects.filter(key_hash__contains=raw[4:]).count() == 0


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 101])
def test_a_key_needs_a_name_of_at_most_100_characters(organization, name):
    with pytest.raises(ValidationError) as refused:
        issue_api_key(organization, name=name)
    assert list(refused.value.message_dict) == ["name"]
    assert not ApiKey.objects.exists()
    assert issue_api_key(organization, name="  EMR bridge ")[0].name == "EMR bridge"


def test_revoked_and_expired_keys_are_not_usable(organization):
    from datetime import timedelta

    from django.utils import timezone

    live, _ = issue_api_key(organization, name="live")
    revoked, _ = issue_api_key(organization, name="revoked")
    revoke_api_key(revoked)
    expired, _ = issue_api_key(organization, name="old", expires_at=timezone.now() - timedelta(minutes=1))
    assert set(ApiKey.objects.usable()) == {live}
    assert live.is_usable and not revoked.is_usable and not expired.is_usable
    first_revoked_at = revoked.revoked_at
    revoke_api_key(revoked)
    assert revoked.revoked_at == first_revoked_at


def test_keys_of_an_inactive_organization_are_not_usable(organization):
    issue_api_key(organization, name="live")
    Organization.objects.filter(pk=organization.pk).update(is_active=False)
    assert not ApiKey.objects.usable().exists()


def test_key_hash_is_unique(organization, other_organization):
    key, _ = issue_api_key(organization, name="one")
    refused_by_database(lambda: ApiKey.objects.create(
        organization=other_organization, name="copy", prefix=key.prefix, key_hash=key.key_hash
    ))


# --- Patient numbers ---

def test_patient_numbers_increase_from_one_per_organization(organization, other_organization):
    assert [organization.allocate_patient_number() for _ in range(3)] == [1, 2, 3]
    assert other_organization.allocate_patient_number() == 1
    organization.refresh_from_db()
    assert organization.last_patient_number == 3


def test_patient_numbers_survive_a_second_copy_of_the_organization(organization):
    """Two in-memory copies (two requests) still share one sequence: the database holds it."""
    copy = Organization.objects.get(pk=organization.pk)
    assert organization.allocate_patient_number() == 1
    assert copy.allocate_patient_number() == 2
    assert organization.allocate_patient_number() == 3


def test_a_rolled_back_allocation_is_not_counted(organization):
    organization.allocate_patient_number()
    with pytest.raises(RuntimeError), transaction.atomic():
        organization.allocate_patient_number()
        raise RuntimeError("registration failed")
    organization.refresh_from_db()
    assert organization.last_patient_number == 1
    assert organization.allocate_patient_number() == 2


def test_saving_a_stale_copy_of_the_organization_never_rewinds_the_sequence(organization):
    """An edit made on a copy loaded before patients were registered (an admin form, a
    long-lived request) must not hand out a number that is already taken."""
    stale = Organization.objects.get(pk=organization.pk)
    PatientFactory(organization=organization)
    PatientFactory(organization=organization)
    stale.name = "Maple Family Clinic"
    stale.save()
    organization.refresh_from_db()
    assert organization.name == "Maple Family Clinic"
    assert organization.last_patient_number == 2
    assert organization.allocate_patient_number() == 3


def test_saving_with_explicit_update_fields_still_works(organization):
    organization.name = "Renamed"
    organization.save(update_fields=["name"])
    organization.refresh_from_db()
    assert organization.name == "Renamed"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_in_one_organization_get_distinct_numbers():
    organization = OrganizationFactory()
    threads_count, per_thread = 6, 5
    barrier = threading.Barrier(threads_count)
    numbers, failures = [], []
    lock = threading.Lock()

    def allocate():
        from django.db import connection as thread_connection

        try:
            mine = Organization.objects.get(pk=organization.pk)
            barrier.wait(timeout=10)
            for _ in range(per_thread):
                with transaction.atomic():
                    number = mine.allocate_patient_number()
                with lock:
                    numbers.append(number)
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert sorted(numbers) == list(range(1, threads_count * per_thread + 1))
    organization.refresh_from_db()
    assert organization.last_patient_number == threads_count * per_thread
    assert connection.vendor == "postgresql"
