"""`manage.py import_patients`: the admin's import from the command line, with a progress bar and a
per-row error report; a dry run writes nothing."""

import csv

import pytest
from django.core.management import CommandError, call_command

from patients.models import Channel, Patient

HEADER = "given_name,family_name,gender,date_of_birth,email,phone,health_card_number,health_card_province\n"
CLEAN = HEADER + (
    "Élodie,Tremblay,female,1984-02-29,elodie@example.com,(416) 555-0101,9876543217,ON\n"
    "Marc,Gagnon,male,1970-10-01,,613-555-0102,,\n"
    "Mei,Chen,female,2001-07-15,mei@example.com,604-555-0103,9698658215,BC\n"
)
BAD = CLEAN + (
    "Bad,Phone,female,1990-01-01,,555,,\n"
    "Copy,Cat,male,1999-01-01,ELODIE@example.com,416 555 0199,,\n"
)


@pytest.fixture
def write(tmp_path):
    def write_file(text, name="patients.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write_file


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_patients", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_clean_file_imports_every_row(organization, write):
    out, err = run("--organization", "maple", write(CLEAN))
    assert "Imported 3 patients into Maple Clinic." in out
    assert "[##############################] 100%  3 rows checked" in err
    patients = Patient.objects.for_organization(organization)
    assert sorted(patients.values_list("patient_number", flat=True)) == [1, 2, 3]
    record = patients.get(given_name="Marc").history.get()
    assert (record.history_channel, record.history_actor) == (Channel.IMPORT, "import_patients command")
    assert record.history_change_reason == "Imported from patients.csv"


def test_a_dry_run_writes_nothing(organization, write):
    out, _ = run("--organization", "maple", "--dry-run", write(CLEAN))
    assert "Dry run: all 3 rows passed the checks; nothing was imported." in out
    assert not Patient.objects.exists()


def test_bad_rows_are_reported_and_nothing_is_imported(organization, write, tmp_path):
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match="Nothing was imported: 2 of 5 rows have errors"):
        run("--organization", "maple", "--report", str(report), write(BAD))
    assert not Patient.objects.exists()
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["line"], r["column"]) for r in rows] == [("5", "phone"), ("6", "email")]
    assert rows[1]["problem"] == "Same email as line 2."


def test_bad_rows_are_listed_on_stdout(organization, write, capsys):
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_patients", "--organization", "maple", write(BAD), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("line 5, phone: Enter a valid phone number")
    assert lines[1] == "line 6, email: Same email as line 2."


def test_a_dry_run_reports_the_same_errors(organization, write):
    with pytest.raises(CommandError, match="2 of 5 rows"):
        run("--organization", "maple", "--dry-run", write(BAD))


def test_the_user_is_recorded_when_given(organization, owner, write):
    run("--organization", "maple", "--user", "owner", write(CLEAN))
    record = Patient.objects.get(given_name="Mei").history.get()
    assert (record.history_actor, record.history_user) == ("owner (Import)", owner)
    assert Patient.objects.get(given_name="Mei").created_by == owner


@pytest.mark.parametrize("args, message", [
    (["--organization", "nowhere"], "No organization with the slug"),
    (["--organization", "maple", "--user", "ghost"], "No user named"),
])
def test_unknown_organization_or_user(organization, write, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args, write(CLEAN))


def test_a_missing_file(organization, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("--organization", "maple", str(tmp_path / "missing.csv"))


def test_a_spreadsheet_export_with_a_byte_order_mark(organization, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CLEAN.encode())
    out, _ = run("--organization", "maple", str(path))
    assert "Imported 3 patients" in out
