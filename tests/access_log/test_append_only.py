"""The access log is append-only: the model, its querysets, the admin and the database all refuse
to change or delete an event, for superusers too."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from patients.access_log import AccessAction, AccessEvent, record_access
from patients.access_log.models import AppendOnlyError
from patients.actors import Actor
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(organization, member):
    patient = PatientFactory(organization=organization)
    record_access(actor=Actor.for_user(member), patient=patient, action=AccessAction.VIEW)
    return AccessEvent.objects.get()


def test_saving_a_stored_event_is_refused(event):
    event.action = AccessAction.EXPORT
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AccessEvent.objects.get().action == "view"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AccessEvent.objects.count() == 1


@pytest.mark.parametrize("attempt", [
    lambda qs: qs.update(action="export"),
    lambda qs: qs.delete(),
    lambda qs: qs.bulk_update(list(qs), ["action"]),
    lambda qs: qs.update_or_create(pk=qs.get().pk, defaults={"action": "export"}),
])
def test_querysets_refuse_to_change_or_delete(event, attempt):
    with pytest.raises(AppendOnlyError):
        attempt(AccessEvent.objects.all())
    assert AccessEvent.objects.get().action == "view"


@pytest.mark.parametrize("sql", [
    "UPDATE access_log_accessevent SET action = 'export'",
    "DELETE FROM access_log_accessevent",
])
def test_the_database_refuses_to_change_or_delete(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AccessEvent.objects.get().action == "view"


def test_a_patient_with_a_trail_cannot_be_deleted(event):
    with pytest.raises(ProtectedError):
        event.patient.delete()
    assert AccessEvent.objects.count() == 1


def test_the_user_who_read_cannot_be_deleted_either(event):
    with pytest.raises(ProtectedError):
        event.user.delete()
