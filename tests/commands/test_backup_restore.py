"""`make backup` / `make restore` (manage.py backup / restore): a backup restored into a fresh
database holds the same patients, history, access events and patient-number counters."""

import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from organizations.models import Organization
from patients.access_log import AccessAction, AccessEvent, record_accesses
from patients.actors import Actor
from patients.models import Channel, Patient
from patients.services import promote_lead, register_patient


def everything(dbname: str) -> dict[str, tuple[int, str]]:
    """Every table of the app's models: its row count and a digest of all its rows."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    settings = connection.settings_dict
    with psycopg.connect(dbname=dbname, host=settings["HOST"] or None, port=settings["PORT"] or None,
                         user=settings["USER"] or None, password=settings["PASSWORD"] or None) as other:
        return {
            table: other.execute(
                f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) FROM "{table}" t'
            ).fetchone()
            for table in sorted(tables)
        }


@pytest.fixture
def restored_name():
    name = f"intake_restore_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(dbname="postgres", host=connection.settings_dict["HOST"] or None,
                         port=connection.settings_dict["PORT"] or None, user=connection.settings_dict["USER"] or None,
                         password=connection.settings_dict["PASSWORD"] or None, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.postgres_only
def test_a_backup_restores_into_a_new_database_with_everything(transactional_db, organization, member, tmp_path,
                                                                restored_name, capsys):
    actor = Actor.for_user(member, Channel.INTAKE)
    for given, phone in (("Ana", "416 555 0134"), ("Ben", "416 555 0177"), ("Cleo", "416 555 0188")):
        register_patient(organization, {"given_name": given, "family_name": "Silva", "gender": "female",
                                         "date_of_birth": "1985-04-12", "phone": phone}, actor=actor)
    lead = register_patient(organization, {"full_name": "Marc Gagnon", "gender": "male", "phone": "514 555 0142"},
                            actor=actor, as_lead=True)
    promote_lead(lead, by=actor, date_of_birth="1970-01-02")
    record_accesses(actor=actor, patients=list(Patient.objects.all()), action=AccessAction.SEARCH)
    source = everything(connection.settings_dict["NAME"])

    call_command("backup", "--to", str(tmp_path))
    [dump] = tmp_path.glob("*.dump")
    call_command("restore", str(dump), "--into", restored_name)
    restored = everything(restored_name)

    assert restored == source
    assert source["patients_patient"][0] == 4
    assert source["patients_historicalpatient"][0] >= 5  # 4 registrations + 1 promotion
    assert source[AccessEvent._meta.db_table][0] == 4
    assert Organization.objects.get(pk=organization.pk).last_patient_number == 4
    assert set(source) >= {"organizations_organization", "patients_historicalpatient",
                           "django_tasks_database_dbtaskresult"}
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.postgres_only
def test_a_restore_never_writes_into_an_existing_database(transactional_db, organization, tmp_path):
    call_command("backup", "--to", str(tmp_path))
    [dump] = tmp_path.glob("*.dump")
    before = Patient.objects.count()

    with pytest.raises(CommandError, match="restore only into a new database"):
        call_command("restore", str(dump), "--into", connection.settings_dict["NAME"])

    assert Patient.objects.count() == before


def test_a_missing_file_or_a_non_postgresql_database_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No backup file|PostgreSQL"):
        call_command("restore", str(tmp_path / "nothing.dump"), "--into", "intake_never_created")
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="must name a PostgreSQL database"):
            call_command("backup", "--to", str(tmp_path))
