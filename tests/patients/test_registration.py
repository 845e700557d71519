"""register_patient: the rules every way in (API, leads API, intake form, admin, import) relies
on. Real database, no mocks."""

import threading
import uuid
from datetime import date

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection

from organizations.models import Organization
from patients.actors import Actor
from patients.errors import PatientConflictError, PatientRuleError, PossibleDuplicatesError
from patients.models import Channel, HealthCard, Patient, Verification
from patients.services import register_patient, update_patient
from tests.factories import OrganizationFactory, PatientGroupFactory, ProviderFactory
from tests.patients.registration_data import PASSWORD, SELF, person, refused

pytestmark = pytest.mark.django_db


# --- a full patient ---

def test_full_patient_with_card_providers_groups_and_account(organization, api_key):
    providers = [ProviderFactory(organization=organization) for _ in range(2)]
    group = PatientGroupFactory(organization=organization)
    patient = register_patient(organization, person(
        password=PASSWORD, roles=["patient", "caregiver"], emr_id=98765, referrer="Dr. Who", meta={"source": "emr"},
        unread_notifications=3, accepts_marketing=True, has_insurance=True,
        providers=[str(p.pk) for p in providers], groups=[group.pk],
        health_card={"number": "9876-543-217", "version_code": "ab", "province": "ON", "expiry_date": "2030-01-31"},
        verifications={"email": "verified"},
    ), actor=Actor.for_api_key(api_key), with_account=True)

    patient.refresh_from_db()
    assert patient.status == Patient.Status.ACTIVE
    assert patient.patient_number == 1
    assert (patient.given_name, patient.family_name, patient.full_name) == ("Ana", "Lima", "Ana Lima")
    assert patient.email == "Ana.Lima@example.com"
    assert patient.username == "ana.lima@example.com#maple"
    assert str(patient.phone) == "+14165550123"
    assert patient.province == "ON"
    assert patient.date_of_birth == date(1985, 4, 12)
    assert patient.roles == ["patient", "caregiver"]
    assert (patient.emr_id, patient.referrer, patient.meta, patient.unread_notifications) == (
        98765, "Dr. Who", {"source": "emr"}, 3)
    assert patient.accepts_marketing and patient.has_insurance
    assert set(patient.providers.all()) == set(providers)
    assert list(patient.groups.all()) == [group]
    card = patient.health_card
    assert (card.number, card.version_code, card.province, card.expiry_date) == (
        "9876543217", "AB", "ON", date(2030, 1, 31))
    assert card.organization == organization
    email_check = patient.verifications.get(channel="email")
    assert email_check.status == Verification.Status.VERIFIED
    assert email_check.method == Verification.Method.EXTERNAL
    assert email_check.verified_by_label == "API key: EMR bridge"
    assert patient.created_via == Channel.API and patient.created_by_api_key == api_key


def test_defaults_for_a_minimal_full_patient(organization, staff_actor):
    patient = register_patient(organization, person(email=""), actor=staff_actor)
    patient.refresh_from_db()
    assert patient.roles == ["patient"]
    assert (patient.unread_notifications, patient.accepts_marketing, patient.has_insurance) == (0, False, False)
    assert patient.username == "" and patient.password == ""
    assert patient.created_by == staff_actor.user and patient.created_via == Channel.INTAKE
    assert not patient.verifications.filter(status=Verification.Status.VERIFIED).exists()


def test_patient_numbers_follow_each_other_per_organization(organization, other_organization, staff_actor):
    first = register_patient(organization, person(email="a@example.com", phone="416 555 0101"), actor=staff_actor)
    second = register_patient(organization, person(email="b@example.com", phone="416 555 0102"), actor=staff_actor)
    elsewhere = register_patient(other_organization, person(), actor=staff_actor)
    assert (first.patient_number, second.patient_number, elsewhere.patient_number) == (1, 2, 1)


def test_history_rows_carry_the_actor_label_and_channel(organization, api_key, staff_actor):
    patient = register_patient(
        organization, person(health_card={"number": "9876543217", "province": "ON"}),
        actor=Actor.for_api_key(api_key),
    )
    created = patient.history.get()
    assert (created.history_actor, created.history_channel) == ("API key: EMR bridge", "api")
    assert created.history_change_reason == "Registered"
    card_history = HealthCard.history.get(id=patient.health_card.id)
    assert (card_history.history_actor, card_history.history_channel) == ("API key: EMR bridge", "api")

    update_patient(patient, {"referrer": "Walk-in"}, actor=staff_actor)
    latest = patient.history.latest()
    assert (latest.history_actor, latest.history_channel) == ("member (Intake form)", "intake")
    assert latest.history_user == staff_actor.user
    assert latest.referrer == "Walk-in"


def test_self_registration_history_says_so(organization):
    patient = register_patient(organization, person(), actor=SELF)
    assert patient.history.get().history_actor == "Patient self-registration"
    assert patient.created_via == Channel.SELF_REGISTRATION and patient.created_by is None


# --- the login account ---

def test_password_is_hashed_and_never_stored_in_clear(organization, api_key):
    patient = register_patient(organization, person(password=PASSWORD), actor=Actor.for_api_key(api_key))
    stored = Patient.objects.filter(pk=patient.pk).values().get()
    assert stored["password"] != PASSWORD and check_password(PASSWORD, stored["password"])
    assert not any(PASSWORD in str(value) for value in stored.values())
    assert not any(PASSWORD in str(value) for value in patient.history.values().get().values())


@pytest.mark.parametrize("username", ["ana.lima@example.com#maple", "Ana.Lima@Example.com#maple", ""])
def test_username_that_matches_the_generated_one_is_accepted(organization, staff_actor, username):
    patient = register_patient(organization, person(username=username), actor=staff_actor)
    assert patient.username == "ana.lima@example.com#maple"


@pytest.mark.parametrize("username", ["ana", "ana.lima@example.com", "ana.lima@example.com#birch"])
def test_username_that_differs_from_the_generated_one_is_refused(organization, staff_actor, username):
    errors = refused(lambda: register_patient(organization, person(username=username), actor=staff_actor))
    assert list(errors) == ["username"]
    assert "ana.lima@example.com#maple" in errors["username"][0]


def test_weak_password_is_refused(organization, staff_actor):
    errors = refused(lambda: register_patient(organization, person(password="short"), actor=staff_actor))
    assert "at least 10" in errors["password"][0]


def test_password_like_the_patients_own_name_is_refused_not_a_crash(organization, staff_actor):
    errors = refused(lambda: register_patient(
        organization, person(email="ana.lima@example.com", password="ana.lima.example1!"), actor=staff_actor
    ))
    assert "similar" in errors["password"][0]


def test_password_without_email_is_refused(organization, staff_actor):
    errors = refused(lambda: register_patient(organization, person(email="", password=PASSWORD), actor=staff_actor))
    assert "email" in errors["password"][0]


def test_an_account_needs_an_email(organization, api_key):
    errors = refused(lambda: register_patient(
        organization, person(email=""), actor=Actor.for_api_key(api_key), with_account=True
    ))
    assert errors == {"email": ["This field is required."]}


# --- links to providers and groups ---

def test_providers_and_groups_of_another_organization_are_refused_by_id(organization, other_organization, api_key):
    theirs = ProviderFactory(organization=other_organization)
    their_group = PatientGroupFactory(organization=other_organization)
    mine = ProviderFactory(organization=organization)
    missing = uuid.uuid4()
    errors = refused(lambda: register_patient(organization, person(
        providers=[str(mine.pk), str(theirs.pk), str(missing), "not-an-id"], groups=[str(their_group.pk)],
    ), actor=Actor.for_api_key(api_key)))
    assert errors["providers"] == [
        f"Unknown provider id: {theirs.pk}.", f"Unknown provider id: {missing}.", "Unknown provider id: not-an-id.",
    ]
    assert errors["groups"] == [f"Unknown group id: {their_group.pk}."]


def test_one_id_alone_is_judged_as_among_others(organization, other_organization, api_key):
    """One id (the usual case) is looked up by a compiled query, several by one IN query: each id
    gets the same answer either way, another organization's included."""
    numbers = iter(range(100))

    def judged(kind, ids):
        data = person(email=f"p{next(numbers)}@example.com", **{kind: ids})
        try:
            patient = register_patient(organization, data, actor=Actor.for_api_key(api_key))
        except PatientRuleError as exc:
            return sorted(exc.errors[kind])
        return sorted(str(linked.pk) for linked in getattr(patient, kind).all())

    for kind, factory in (("providers", ProviderFactory), ("groups", PatientGroupFactory)):
        mine, also_mine = factory.create_batch(2, organization=organization)
        theirs = factory(organization=other_organization)
        for one in (str(mine.pk), str(theirs.pk), str(mine.pk).upper(), f"{{{mine.pk}}}", str(uuid.uuid4())):
            alone, among = judged(kind, [one]), judged(kind, [one, str(also_mine.pk)])
            if alone == [str(mine.pk)]:
                assert among == sorted([str(mine.pk), str(also_mine.pk)]), one
            else:
                assert alone == among and alone[0].startswith("Unknown"), (one, alone, among)


@pytest.mark.parametrize("sent", ["abc", 5, {"id": "x"}])
def test_providers_must_be_a_list(organization, api_key, sent):
    errors = refused(lambda: register_patient(organization, person(providers=sent), actor=Actor.for_api_key(api_key)))
    assert "list" in errors["providers"][0]


# --- trusted-only fields ---

@pytest.mark.parametrize("field, value", [
    ("verifications", {"email": "verified"}),
    ("emr_id", 12),
    ("unread_notifications", 2),
    ("roles", ["caregiver"]),
])
def test_self_registration_may_not_set_trusted_fields(organization, field, value):
    errors = refused(lambda: register_patient(organization, person(**{field: value}), actor=SELF))
    assert field in errors


def test_self_registration_may_not_link_providers_or_groups(organization):
    provider = ProviderFactory(organization=organization)
    group = PatientGroupFactory(organization=organization)
    errors = refused(lambda: register_patient(
        organization, person(providers=[str(provider.pk)], groups=[str(group.pk)]), actor=SELF
    ))
    assert errors["providers"] == ["Only the clinic's staff or systems may set this field."]
    assert errors["groups"] == ["Only the clinic's staff or systems may set this field."]


def test_self_registration_with_only_patient_fields_is_accepted(organization):
    patient = register_patient(organization, person(roles=["patient"], password=PASSWORD), actor=SELF)
    assert patient.roles == ["patient"]
    assert not Verification.objects.filter(patient=patient, status=Verification.Status.VERIFIED).exists()


# --- conflicts ---

@pytest.mark.parametrize("email", ["ana.lima@example.com", "ANA.LIMA@EXAMPLE.COM", " Ana.Lima@example.com "])
def test_same_email_in_any_case_is_a_conflict(organization, staff_actor, email):
    register_patient(organization, person(), actor=staff_actor)
    errors = refused(
        lambda: register_patient(organization, person(email=email, phone="416 555 0199"), actor=staff_actor),
        PatientConflictError,
    )
    assert errors == {"email": ["A patient with this email is already registered."]}


def test_same_email_with_an_account_is_a_conflict_on_email(organization, api_key):
    actor = Actor.for_api_key(api_key)
    register_patient(organization, person(password=PASSWORD), actor=actor, with_account=True)
    errors = refused(
        lambda: register_patient(organization, person(email="ana.lima@EXAMPLE.com", password=PASSWORD), actor=actor,
                                 with_account=True),
        PatientConflictError,
    )
    assert list(errors) == ["email"]


def test_same_emr_id_is_a_conflict(organization, api_key):
    actor = Actor.for_api_key(api_key)
    register_patient(organization, person(emr_id=55), actor=actor)
    errors = refused(lambda: register_patient(organization, person(email="x@example.com", emr_id="55"), actor=actor),
                     PatientConflictError)
    assert errors == {"emr_id": ["A patient with this EMR id is already registered."]}


def test_same_health_card_is_a_conflict(organization, staff_actor):
    register_patient(organization, person(health_card={"number": "9876543217", "province": "ON"}), actor=staff_actor)
    errors = refused(lambda: register_patient(organization, person(
        email="x@example.com", health_card={"number": "9876 543 217", "province": "on"}), actor=staff_actor),
        PatientConflictError)
    assert errors == {"health_card.number": ["A patient with this health card is already registered."]}


def test_same_details_in_another_organization_are_no_conflict(organization, other_organization, api_key,
                                                               other_api_key):
    details = person(emr_id=55, password=PASSWORD, health_card={"number": "9876543217", "province": "ON"})
    register_patient(organization, details, actor=Actor.for_api_key(api_key))
    other = register_patient(other_organization, details, actor=Actor.for_api_key(other_api_key))
    assert other.username == "ana.lima@example.com#birch"


def test_possible_duplicates_refused_only_when_asked(organization, staff_actor):
    first = register_patient(organization, person(), actor=staff_actor)
    with pytest.raises(PossibleDuplicatesError) as caught:
        register_patient(organization, person(email="other@example.com"), actor=staff_actor,
                         allow_possible_duplicates=False)
    assert [m.patient for m in caught.value.matches] == [first]
    assert Patient.objects.count() == 1


# --- field rules, all errors at once ---

def test_every_field_error_is_reported_at_once_and_nothing_is_written(organization, staff_actor):
    errors = refused(lambda: register_patient(organization, {
        "given_name": "", "family_name": "Lima", "gender": "robot", "date_of_birth": "12/04/1985",
        "email": "not-an-email", "phone": "416-555-CALL", "province": "XX", "roles": ["admin"],
        "unread_notifications": -1, "meta": [1], "accepts_marketing": "yes", "emr_id": "abc",
        "health_card": {"number": "9876543210", "province": "ON", "expiry_date": "soon"},
    }, actor=staff_actor))
    assert set(errors) == {
        "given_name", "gender", "date_of_birth", "email", "phone", "province", "roles", "unread_notifications",
        "meta", "accepts_marketing", "emr_id", "health_card.number", "health_card.expiry_date",
    }


def test_missing_required_fields_are_each_named(organization, staff_actor):
    errors = refused(lambda: register_patient(organization, {}, actor=staff_actor))
    assert set(errors) == {"given_name", "family_name", "date_of_birth", "gender", "phone"}
    assert errors["gender"] == ["This field is required."]


def test_organization_requiring_email(staff_actor):
    organization = OrganizationFactory(required_fields=["email"])
    assert "email" in refused(lambda: register_patient(organization, person(email=""), actor=staff_actor))


def test_unknown_date_placeholder_is_refused_for_a_full_patient(organization, staff_actor):
    errors = refused(lambda: register_patient(organization, person(date_of_birth="1111-01-01"), actor=staff_actor))
    assert "only allowed for leads" in errors["date_of_birth"][0]


def test_phone_is_read_in_the_organizations_region(staff_actor):
    dubai = OrganizationFactory(default_phone_region="AE")
    patient = register_patient(dubai, person(phone="050 123 4567"), actor=staff_actor)
    assert str(patient.phone) == "+971501234567"
    assert "phone" in refused(lambda: register_patient(dubai, person(phone="416 555 0123"), actor=staff_actor))


def test_text_too_long_is_refused(organization, staff_actor):
    errors = refused(lambda: register_patient(organization, person(given_name="A" * 151), actor=staff_actor))
    assert errors == {"given_name": ["Use at most 150 characters."]}


@pytest.mark.parametrize("field, value", [
    ("given_name", "Ana\x00"), ("referrer", "web\x00"), ("meta", {"note": "a\x00b"}), ("meta", {"a\x00": 1}),
    ("meta", {"list": ["ok", {"deep": "\x00"}]}),
])
def test_null_characters_are_refused_not_a_database_error(organization, staff_actor, field, value):
    errors = refused(lambda: register_patient(organization, person(**{field: value}), actor=staff_actor))
    assert list(errors) == [field]


@pytest.mark.parametrize("emr_id", [-1, 2**63, 1.5, True, "12a", [1]])
def test_emr_id_must_be_a_whole_positive_number(organization, api_key, emr_id):
    errors = refused(lambda: register_patient(organization, person(emr_id=emr_id), actor=Actor.for_api_key(api_key)))
    assert list(errors) == ["emr_id"]


def test_unread_notifications_too_large_for_the_database_is_refused(organization, api_key):
    errors = refused(lambda: register_patient(
        organization, person(unread_notifications=10**12), actor=Actor.for_api_key(api_key)
    ))
    assert list(errors) == ["unread_notifications"]


@pytest.mark.parametrize("card", [
    {"number": "9876543217", "province": 5}, {"number": ["9876543217"], "province": "ON"},
    {"number": "9876543217", "province": "ON", "version_code": 12}, "9876543217",
])
def test_health_card_of_the_wrong_shape_is_a_field_error(organization, staff_actor, card):
    errors = refused(lambda: register_patient(organization, person(health_card=card), actor=staff_actor))
    assert all(key.startswith("health_card") for key in errors)


def test_full_name_alone_is_split(organization, staff_actor):
    data = person(full_name="Maria da Silva")
    del data["given_name"], data["family_name"]
    patient = register_patient(organization, data, actor=staff_actor)
    assert (patient.given_name, patient.family_name, patient.full_name) == ("Maria da", "Silva", "Maria da Silva")


# --- leads ---

def test_lead_needs_only_gender_and_a_well_formed_date(organization, api_key):
    lead = register_patient(organization, {
        "preferred_name": "Incomplete patient", "full_name": "Incomplete patient ", "calling_code": "+971",
        "local_phone": "", "email": None, "gender": "Male", "date_of_birth": "1111-01-01",
    }, actor=Actor.for_api_key(api_key), as_lead=True)
    lead.refresh_from_db()
    assert lead.status == Patient.Status.LEAD
    assert lead.patient_number is None and lead.date_of_birth is None
    assert lead.gender == "male" and lead.calling_code == "+971" and str(lead.phone) == ""
    assert lead.full_name == "Incomplete patient "
    assert lead.history.get().history_change_reason == "Registered as a lead"
    organization.refresh_from_db()
    assert organization.last_patient_number == 0


def test_lead_without_gender_is_refused(organization, api_key):
    errors = refused(lambda: register_patient(
        organization, {"date_of_birth": "1111-01-01"}, actor=Actor.for_api_key(api_key), as_lead=True
    ))
    assert errors == {"gender": ["Gender is required."]}


@pytest.mark.parametrize("dob", ["01/01/1111", "1111-1-1", "tomorrow"])
def test_lead_with_a_badly_formatted_date_is_refused(organization, api_key, dob):
    errors = refused(lambda: register_patient(
        organization, {"gender": "Female", "date_of_birth": dob}, actor=Actor.for_api_key(api_key), as_lead=True
    ))
    assert list(errors) == ["date_of_birth"]


def test_lead_with_a_real_date_keeps_it(organization, api_key):
    lead = register_patient(organization, {"gender": "female", "date_of_birth": "1990-06-01"},
                            actor=Actor.for_api_key(api_key), as_lead=True)
    assert lead.date_of_birth == date(1990, 6, 1)


# --- PostgreSQL races ---

def run_at_once(count, work):
    """Run `work(i)` in `count` threads started together; return (results, exceptions)."""
    barrier = threading.Barrier(count)
    results, failures = [], []

    def run(i):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            results.append(work(i))
        except Exception as exc:
            failures.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, failures


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_numbers():
    organization = OrganizationFactory(slug="race")
    actor = Actor(channel=Channel.ADMIN)
    results, failures = run_at_once(6, lambda i: register_patient(
        Organization.objects.get(pk=organization.pk),
        person(email=f"p{i}@example.com", phone=f"416 555 01{i:02d}"), actor=actor,
    ).patient_number)
    assert failures == []
    assert sorted(results) == [1, 2, 3, 4, 5, 6]
    assert connection.vendor == "postgresql"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_with_one_email_make_one_patient():
    organization = OrganizationFactory(slug="race")
    actor = Actor(channel=Channel.ADMIN)
    results, failures = run_at_once(4, lambda i: register_patient(
        Organization.objects.get(pk=organization.pk), person(email="Same@Example.com" if i % 2 else "same@example.com"),
        actor=actor,
    ))
    assert len(results) == 1
    assert len(failures) == 3 and all(isinstance(f, PatientConflictError) for f in failures)
    assert all(f.errors == {"email": ["A patient with this email is already registered."]} for f in failures)
    assert Patient.objects.filter(organization=organization).count() == 1


# --- odd shapes never crash ---

@pytest.mark.parametrize("ids", [[{"id": "x"}], [["a"]], [None]])
def test_provider_ids_of_the_wrong_type_are_named_not_a_crash(organization, api_key, ids):
    errors = refused(lambda: register_patient(organization, person(providers=ids), actor=Actor.for_api_key(api_key)))
    assert list(errors) == ["providers"] and len(errors["providers"]) == 1


def test_the_patient_number_is_taken_after_the_links_and_card_are_written(organization, staff_actor):
    # The organization's row stays locked from the number's allocation to commit: keep that short.
    from django.test.utils import CaptureQueriesContext

    provider = ProviderFactory(organization=organization)
    data = person(providers=[provider.pk], health_card={"number": "9876543217", "province": "ON"})

    with CaptureQueriesContext(connection) as captured:
        register_patient(organization, data, actor=staff_actor)

    statements = [q["sql"] for q in captured.captured_queries]

    def first_insert_into(table):
        return next(i for i, sql in enumerate(statements) if sql.startswith("INSERT") and f'INTO "{table}"' in sql)

    allocation = next(i for i, sql in enumerate(statements) if "last_patient_number" in sql)
    assert first_insert_into("patients_healthcard") < allocation
    assert first_insert_into("patients_patient_providers") < allocation
    assert allocation < first_insert_into("patients_patient")
