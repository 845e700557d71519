"""New patients, cards, verifications and their history rows go in through an INSERT compiled once
(organizations.compiled_queries.InsertsCompiledOnce): each row reads back exactly as the ORM's own
INSERT writes it."""

import pytest
from django.db import connection, models
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from patients.actors import Actor
from patients.models import HealthCard, Patient, Verification
from patients.services import register_patient
from tests.factories import PatientFactory, ProviderFactory
from tests.patients.registration_data import person

pytestmark = pytest.mark.django_db
HISTORY_MODELS = [Patient.history.model, HealthCard.history.model, Verification.history.model]


def stored(row):
    """Every column of a history row as read back from the database, but its id."""
    fresh = type(row).objects.get(pk=row.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(row)._meta.concrete_fields if not f.primary_key}


def copies_of_latest_history(instance):
    """The newest history row of `instance`, and a copy of it written by Model.save() itself."""
    row = instance.history.order_by("-history_id").first()
    copy = type(row).objects.get(pk=row.pk)
    copy.pk, copy._state.adding = None, True
    models.Model.save(copy)  # the ORM's own INSERT, not HistoryActor's
    return row, copy


def test_a_registrations_history_rows_are_those_the_orm_writes(organization, api_key):
    data = person(providers=[ProviderFactory(organization=organization).pk], verifications={"email": "verified"},
                  health_card={"number": "9876543217", "province": "ON", "version_code": "AB",
                               "expiry_date": "2030-01-31"})
    patient = register_patient(organization, data, actor=Actor.for_api_key(api_key))
    for instance in (patient, patient.health_card, Verification.objects.get(patient=patient, channel="email")):
        row, copy = copies_of_latest_history(instance)
        assert stored(row) == stored(copy), type(instance).__name__
        assert row.history_actor == "API key: EMR bridge" and row.history_channel == "api"


def test_the_written_row_is_known_to_the_saved_record_with_its_id(organization, api_key):
    patient = register_patient(organization, person(), actor=Actor.for_api_key(api_key))
    assert patient.written_history.history_id == patient.history.latest("history_id").history_id
    assert not patient.written_history._state.adding


def test_one_insert_per_history_row(organization):
    patient = PatientFactory(organization=organization)
    patient.given_name = "Changed"
    with CaptureQueriesContext(connection) as captured:
        patient.save()
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and '"patients_historicalpatient"' in inserts[0]
    assert patient.history.latest("history_id").given_name == "Changed"
    compiled = Patient.history.model._compiled_insert._compiled
    assert [key for key in compiled if key[0] == connection.alias]  # the compiled way was taken


def test_a_registrations_rows_are_those_the_orms_insert_writes(organization, other_organization, api_key):
    """The patient, card and verification rows a registration wrote, against copies inserted by the
    ORM's own INSERT (a raw save: the values as they are, no compiled statement) in another clinic."""
    data = person(verifications={"email": "verified"}, health_card={
        "number": "9876543217", "province": "ON", "version_code": "AB", "expiry_date": "2030-01-31"})
    patient = register_patient(organization, data, actor=Actor.for_api_key(api_key))
    copies = {}
    for instance in (patient, patient.health_card, Verification.objects.get(patient=patient, channel="email")):
        model = type(instance)
        original = model.objects.get(pk=instance.pk)
        copy = model.objects.get(pk=instance.pk)
        copy.pk, copy._state.adding, copy.organization = None, True, other_organization
        if model is Patient:
            copy.id = None
        if hasattr(copy, "patient_id"):
            copy.patient = copies[Patient]
        copy.pk = model._meta.pk.get_default()
        copy.save_base(raw=True, force_insert=True)
        copies[model] = copy
        ignored = {"id", "organization_id", "patient_id"}
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in ignored]
        assert [getattr(model.objects.get(pk=copy.pk), c) for c in columns] == [
            getattr(original, c) for c in columns], model.__name__
    assert [key for key in Patient._compiled_insert._compiled if key[0] == connection.alias]


def test_a_value_left_to_the_database_default_goes_in_through_the_orm(organization):
    from django.db.models import Value
    from django.db.models.expressions import DatabaseDefault

    field = Patient._meta.get_field("preferred_language")
    patient = PatientFactory.build(organization=organization, patient_number=None, status="lead")
    patient.preferred_language = DatabaseDefault(Value(field.db_default), output_field=field)
    with CaptureQueriesContext(connection) as captured:
        patient.save()
    insert = next(q["sql"] for q in captured.captured_queries if 'INTO "patients_patient"' in q["sql"])
    if connection.features.supports_default_keyword_in_insert:
        assert "DEFAULT" in insert  # the ORM's own statement, which says DEFAULT for it
    patient.refresh_from_db()
    assert patient.preferred_language == field.db_default


def test_history_models_have_no_save_signals_the_compiled_insert_would_skip():
    for model in HISTORY_MODELS:
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model), model.__name__
