"""The CSV import service: the API's rules on every row, duplicates in the organization and in the
file, all or nothing, a report per row, and a query count that does not grow with the rows."""

import csv
import io

import pytest
from django.db import connection

from organizations.models import Organization
from patients.actors import Actor
from patients.errors import PatientRuleError
from patients.importing import import_actor, import_patients
from patients.models import Channel, HealthCard, Patient
from patients.resources import PatientResource
from patients.services import register_patient
from tests.factories import HealthCardFactory, PatientFactory, PatientGroupFactory, ProviderFactory

HEADER = ["given_name", "family_name", "gender", "date_of_birth", "email", "phone", "province",
          "health_card_number", "health_card_province", "health_card_version_code"]
GOOD = [
    ["Élodie", "Tremblay", "female", "1984-02-29", "elodie@example.com", "(416) 555-0101", "ON",
     "9876543217", "ON", "ab"],
    ["Marc", "Gagnon", "M", "1970-10-01", "", "+1 613 555 0102", "ON", "", "", ""],
    ["Mei", "Chen", "female", "2001-07-15", "MEI@Example.com", "604-555-0103", "BC", "9698658215", "BC", ""],
]


def csv_lines(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return io.StringIO(out.getvalue())


def run(organization, rows, header=HEADER, **kwargs):
    kwargs.setdefault("actor", import_actor(None, command=True))
    return import_patients(organization, csv_lines(rows, header), **kwargs)


def errors(report):
    return {(e.line, e.column): e.message for e in report.errors}


def test_a_clean_file_imports_every_row(organization, owner):
    report = run(organization, GOOD, actor=import_actor(owner), source_name="clinic.csv")
    assert report.ok and (report.rows, report.imported) == (3, 3)
    patients = {p.given_name: p for p in Patient.objects.for_organization(organization)}
    assert sorted(p.patient_number for p in patients.values()) == [1, 2, 3]
    elodie = patients["Élodie"]
    assert (elodie.status, str(elodie.phone), elodie.gender) == (Patient.Status.ACTIVE, "+14165550101", "female")
    assert elodie.full_name == "Élodie Tremblay" and elodie.search_name == "elodie tremblay"
    assert elodie.username == "elodie@example.com#maple" and elodie.roles == ["patient"]
    assert (elodie.created_via, elodie.created_by) == (Channel.IMPORT, owner)
    assert patients["Marc"].gender == "male" and patients["Mei"].email == "MEI@example.com"
    card = HealthCard.objects.get(patient=elodie)
    assert (card.number, card.version_code, card.province) == ("9876543217", "AB", "ON")
    organization.refresh_from_db()
    assert organization.last_patient_number == 3

    history = elodie.history.get()
    assert (history.history_type, history.history_channel) == ("+", Channel.IMPORT)
    assert (history.history_actor, history.history_user) == ("owner (Import)", owner)
    assert history.history_change_reason == "Imported from clinic.csv"
    assert history.given_name == "Élodie" and history.patient_number == elodie.patient_number
    assert HealthCard.history.get(patient_id=elodie.pk).history_actor == "owner (Import)"


def test_imported_rows_match_what_register_patient_stores(organization, other_organization, owner):
    run(organization, GOOD[:1], actor=import_actor(owner))
    imported = Patient.objects.get(organization=organization)
    registered = register_patient(other_organization, {
        "given_name": "Élodie", "family_name": "Tremblay", "gender": "female", "date_of_birth": "1984-02-29",
        "email": "elodie@example.com", "phone": "(416) 555-0101", "province": "ON",
        "health_card": {"number": "9876543217", "province": "ON", "version_code": "ab"},
    }, actor=import_actor(owner))
    registered.refresh_from_db()
    skip = {"id", "organization", "created_at", "updated_at", "username", "patient_number"}
    for field in Patient._meta.concrete_fields:
        if field.name not in skip:
            assert getattr(imported, field.attname) == getattr(registered, field.attname), field.name


@pytest.mark.parametrize("cells", [
    {"phone": "416-555-CALL"}, {"phone": "12"}, {"date_of_birth": "04/05/1990"}, {"date_of_birth": "2999-01-01"},
    {"date_of_birth": "1111-01-01"}, {"gender": "robot"}, {"email": "nope@"}, {"province": "ZZ"},
    {"health_card_number": "9876543210", "health_card_province": "ON"},
    {"health_card_number": "12345", "health_card_province": "AB"},
    {"health_card_number": "9876543217", "health_card_province": ""},
    {"given_name": ""}, {"gender": ""},
])
def test_every_rule_gives_the_apis_own_message(organization, cells):
    row = dict(zip(HEADER, GOOD[0], strict=True)) | cells
    report = run(organization, [[row[c] for c in HEADER]])
    assert not report.ok and report.imported == 0
    data = {k: v for k, v in row.items() if v and not k.startswith("health_card")}
    card = {k.removeprefix("health_card_"): v for k, v in row.items() if k.startswith("health_card") and v}
    if card:
        data["health_card"] = card
    with pytest.raises(PatientRuleError) as refused:
        register_patient(organization, data, actor=Actor(channel=Channel.API, user=object()))
    from patients.importing import ERROR_COLUMNS

    expected = {(2, ERROR_COLUMNS.get(k, k)): m for k, messages in refused.value.errors.items() for m in messages}
    assert errors(report) == expected
    assert not Patient.objects.exists()


def test_good_bad_and_duplicated_rows_report_per_row_and_import_nothing(organization):
    PatientFactory(organization=organization, email="taken@example.com", phone="+14165550999")
    rows = [
        GOOD[0],                                                                              # line 2: fine
        ["Bad", "Phone", "female", "1990-01-01", "", "555", "ON", "", "", ""],                # line 3
        ["Élodie", "Tremblay", "female", "1984-02-29", "ELODIE@example.com", "416 555 0101", "ON",
         "9876-543-217", "ON", ""],                                                           # line 4: repeats 2
        ["Tak", "En", "male", "1990-01-01", "taken@example.com", "4165550105", "", "", "", ""],  # line 5
        GOOD[1],                                                                              # line 6: fine
    ]
    report = run(organization, rows)
    assert not report.ok and report.imported == 0 and report.rows == 5
    found = errors(report)
    assert found[(3, "phone")].startswith("Enter a valid phone number")
    assert found[(4, "email")] == "Same email as line 2."
    assert found[(4, "health_card_number")] == "Same health card as line 2."
    assert found[(4, "")] == "Possibly the same patient as line 2 (same phone and same family name and date of birth)."
    assert found[(5, "email")].startswith("A patient with this email is already registered (patient #1")
    assert {line for line, _ in found} == {3, 4, 5}
    assert report.rows_with_errors == 3
    assert Patient.objects.count() == 1 and not HealthCard.objects.exists()
    assert Patient.history.count() == 1
    organization.refresh_from_db()
    assert organization.last_patient_number == 1


def test_registered_patients_are_found_by_health_card_emr_id_phone_and_family_birth_date(organization):
    existing = PatientFactory(organization=organization, given_name="Zoe", family_name="Roy", emr_id=77,
                              phone="+14165550177", date_of_birth="1960-01-01")
    HealthCardFactory(patient=existing, number="9287170261", province="ON")
    header = ["given_name", "family_name", "gender", "date_of_birth", "phone", "emr_id", "health_card_number",
              "health_card_province"]
    rows = [
        ["A", "One", "female", "1990-01-01", "+1 416 555 0101", "77", "", ""],
        ["B", "Two", "female", "1990-01-02", "+1 416 555 0102", "", "9287170261", "ON"],
        ["C", "Three", "female", "1990-01-03", "416 555 0177", "", "", ""],
        ["Zoé", "ROY", "female", "1960-01-01", "416 555 0104", "", "", ""],
    ]
    found = errors(run(organization, rows, header))
    assert found[(2, "emr_id")].startswith("A patient with this EMR id is already registered (patient #1")
    assert found[(3, "health_card_number")].startswith("A patient with this health card is already registered")
    assert found[(4, "")] == "Possibly already registered: patient #1 (same phone)."
    assert found[(5, "")] == "Possibly already registered: patient #1 (same family name and date of birth)."

    allowed = run(organization, rows[2:], header, allow_possible_duplicates=True)
    assert allowed.ok and allowed.imported == 2
    still_refused = run(organization, rows[:2], header, allow_possible_duplicates=True)
    assert {c for _, c in errors(still_refused)} == {"emr_id", "health_card_number"}


def test_another_organizations_patients_are_not_duplicates(organization, other_organization):
    PatientFactory(organization=other_organization, email="elodie@example.com", phone="+14165550101")
    assert run(organization, GOOD).imported == 3


def test_a_dry_run_checks_everything_and_writes_nothing(organization):
    report = run(organization, GOOD, dry_run=True)
    assert report.ok and report.rows == 3 and report.imported == 0 and report.dry_run
    assert not Patient.objects.exists() and not Patient.history.exists()
    organization.refresh_from_db()
    assert organization.last_patient_number == 0


def test_a_bad_row_in_a_later_batch_undoes_the_earlier_batches(organization):
    rows = [*GOOD, ["Late", "Error", "female", "1990-01-01", "", "bad phone", "", "", "", ""]]
    report = run(organization, rows, batch_size=2)
    assert not report.ok and list(errors(report)) == [(5, "phone")]
    assert not Patient.objects.exists() and not HealthCard.objects.exists() and not Patient.history.exists()
    organization.refresh_from_db()
    assert organization.last_patient_number == 0


def test_in_file_duplicates_are_found_across_batches(organization):
    rows = [*GOOD, ["Other", "Person", "male", "1999-09-09", "mei@example.com", "+1 416 555 0144", "", "", "", ""]]
    report = run(organization, rows, batch_size=2)
    assert errors(report) == {(5, "email"): "Same email as line 4."}


def test_batches_take_contiguous_numbers(organization):
    PatientFactory(organization=organization)
    rows = [[f"Given{i}", f"Family{i}", "female", f"19{50 + i}-01-01", f"p{i}@example.com", f"+1613555{i:04d}",
             "", "", "", ""] for i in range(7)]
    report = run(organization, rows, batch_size=3)
    assert report.ok and report.imported == 7
    numbers = sorted(Patient.objects.filter(created_via=Channel.IMPORT).values_list("patient_number", flat=True))
    assert numbers == list(range(2, 9))


def test_leads_providers_groups_and_flags(organization):
    ProviderFactory(organization=organization, name="Dr. Okafor")
    ProviderFactory(organization=organization, name="Dr. Chen")
    PatientGroupFactory(organization=organization, name="Prenatal")
    header = ["status", "full_name", "given_name", "family_name", "gender", "date_of_birth", "phone", "providers",
              "groups", "has_insurance", "accepts_marketing", "emr_id", "referrer"]
    rows = [
        ["lead", "Lee Lead", "", "", "male", "", "", "dr. okafor", "", "", "", "", ""],
        ["active", "", "Pat", "Full", "female", "1990-01-01", "4165550111", "Dr. Okafor; Dr. Chen", "Prenatal",
         "yes", "0", "1234", "Website"],
        ["", "", "Bad", "Links", "female", "1990-01-02", "4165550112", "Dr. Nobody", "", "maybe", "", "x1", ""],
        ["archived", "", "Arch", "Ived", "female", "1990-01-03", "4165550113", "", "", "", "", "", ""],
    ]
    report = run(organization, rows, header)
    found = errors(report)
    assert found[(4, "providers")] == "No provider named “Dr. Nobody” in this organization."
    assert found[(4, "has_insurance")] == "Send true or false."
    assert found[(4, "emr_id")].startswith("Send the EMR id as a whole")
    assert found[(5, "status")].startswith("Import active patients")
    report = run(organization, rows[:2], header)
    assert report.ok
    lead = Patient.objects.get(full_name="Lee Lead")
    assert lead.status == Patient.Status.LEAD and lead.patient_number is None
    assert (lead.given_name, lead.family_name) == ("Lee", "Lead")
    assert [p.name for p in lead.providers.all()] == ["Dr. Okafor"]
    full = Patient.objects.get(given_name="Pat")
    assert full.patient_number == 1 and full.has_insurance and not full.accepts_marketing
    assert (full.emr_id, full.referrer) == (1234, "Website")
    assert sorted(p.name for p in full.providers.all()) == ["Dr. Chen", "Dr. Okafor"]
    assert [g.name for g in full.groups.all()] == ["Prenatal"]


@pytest.mark.parametrize("text, message", [
    ("", "The file is empty"),
    ("given_name,surname\nA,B\n", "Unknown column(s): surname"),
    ("given_name,Given Name\nA,B\n", "Column(s) named twice: given_name"),
    ('given_name,family_name\n"A,B\n', "not a readable CSV"),
])
def test_file_problems(organization, text, message):
    report = import_patients(organization, io.StringIO(text), actor=import_actor(None, command=True))
    assert not report.ok and message in report.errors[0].message
    assert not Patient.objects.exists()


def test_a_file_that_is_not_utf8(organization):
    lines = io.TextIOWrapper(io.BytesIO("given_name\nJos\xe9\n".encode("latin-1")), encoding="utf-8")
    report = import_patients(organization, lines, actor=import_actor(None, command=True))
    assert "not UTF-8" in report.errors[0].message


def test_rows_with_too_many_values_and_blank_lines(organization):
    text = "given_name,family_name,gender,date_of_birth,phone\n\n,,,,\nA,B,female,1990-01-01,4165550101,extra\n"
    report = import_patients(organization, io.StringIO(text), actor=import_actor(None, command=True))
    assert report.rows == 1 and errors(report) == {(4, ""): "This row has 6 values but the header names 5 columns."}


def test_an_export_imports_again_into_another_organization(organization, other_organization, owner):
    run(organization, GOOD)
    # With full health card numbers (an admin's choice): a default export has only their last four digits.
    exported = PatientResource(full_card_numbers=True).export(
        Patient.objects.for_organization(organization).select_related("organization", "health_card")
    ).csv
    assert "password" not in exported.splitlines()[0]
    report = import_patients(other_organization, io.StringIO(exported), actor=import_actor(owner))
    assert report.ok and report.imported == 3
    assert HealthCard.objects.for_organization(other_organization).count() == 2


def test_query_count_does_not_grow_with_rows(organization, django_assert_max_num_queries):
    def rows(n, start):
        return [[f"G{i}", f"F{i}", "female", "1990-01-01", f"q{i}@example.com", f"+1416555{i:04d}", "", "", "", ""]
                for i in range(start, start + n)]

    with django_assert_max_num_queries(40) as few:
        assert run(organization, rows(3, 0)).imported == 3
    with django_assert_max_num_queries(40) as many:
        assert run(organization, rows(60, 100)).imported == 60

    def statements(captured, inserts=True):
        return [q["sql"].split()[0] for q in captured.captured_queries if inserts or not q["sql"].startswith("INSERT")]

    if connection.vendor == "postgresql":  # COPY: one statement per table and batch
        assert statements(many) == statements(few)
    else:  # bulk_create: SQLite caps the rows of one INSERT
        assert statements(many, inserts=False) == statements(few, inserts=False)


def test_the_command_line_actor_is_trusted_and_named(organization):
    report = run(organization, [["A", "B", "female", "1990-01-01", "", "4165550101", "", "", "", ""]])
    assert report.ok
    record = Patient.history.get()
    assert (record.history_actor, record.history_user) == ("import_patients command", None)


def test_organizations_are_left_untouched_by_a_refused_import(organization):
    before = Organization.objects.values().get(pk=organization.pk)
    run(organization, [["A", "", "", "", "", "", "", "", "", ""]])
    assert Organization.objects.values().get(pk=organization.pk) == before


def test_a_conflict_that_appears_while_writing_imports_nothing(organization, monkeypatch):
    """A registration that lands between the checks and the write (a race) still cannot slip in:
    the database refuses, the whole import is undone and the report says so."""
    from patients.importing import lookups

    # Nothing else in common with the file's rows (factory phones follow the tests run before).
    PatientFactory(organization=organization, email="elodie@example.com", phone="+14165559999", family_name="Zed")
    monkeypatch.setattr(lookups, "by_email", lambda organization, emails: [])  # the race: the check saw nothing
    report = run(organization, GOOD, batch_size=1)
    assert not report.ok and report.imported == 0
    assert "registered meanwhile" in report.errors[0].message
    assert Patient.objects.count() == 1 and not HealthCard.objects.exists() and Patient.history.count() == 1
    organization.refresh_from_db()
    assert organization.last_patient_number == 1


# --- the pipeline: batches compared and stored while the next rows are read -------------------------

def test_the_report_keeps_file_order_across_batches(organization):
    """A batch's findings in the database come after its rows' own errors and before the next batch's,
    though the database is asked while the next rows are read."""
    PatientFactory(organization=organization, email="taken@example.com")
    rows = [
        ["A", "One", "female", "1990-01-01", "taken@example.com", "+1 416 555 0101", "", "", "", ""],   # 2: registered
        ["B", "Two", "female", "1990-01-02", "", "bad", "", "", "", ""],                                # 3: own error
        ["C", "Three", "female", "1990-01-03", "", "+1 416 555 0103", "ZZ", "", "", ""],                # 4: own error
        ["D", "Four", "female", "1990-01-04", "TAKEN@example.com", "+1 416 555 0104", "", "", "", ""],  # 5: registered
        ["E", "Five", "robot", "1990-01-05", "", "+1 416 555 0105", "", "", "", ""],                    # 6: own error
    ]
    report = run(organization, rows, batch_size=2)
    assert [(e.line, e.column) for e in report.errors] == [(3, "phone"), (2, "email"), (4, "province"),
                                                            (5, "email"), (6, "gender")]
    assert report.rows_with_errors == 5 and report.error_count == 5 and report.imported == 0
    assert Patient.objects.count() == 1


def test_texts_are_stored_as_read_and_only_active_patients_take_numbers(organization):
    header = ["given_name", "family_name", "gender", "date_of_birth", "phone", "referrer", "status"]
    referrers = ["tab\there", "line\nbreak", "back\\slash", "\\N", "\\.", 'quote"d', "Ünïcödé ✓", ""]
    rows = [[f"Given{i}", f"Family-Name{i}", "female", f"19{60 + i}-01-01", f"+1 613 555 {i:04d}", referrer,
             "lead" if i % 3 == 0 else "active"] for i, referrer in enumerate(referrers)]
    report = run(organization, rows, header, batch_size=3)
    assert report.ok and report.imported == len(rows)
    stored = {p.given_name: p for p in Patient.objects.for_organization(organization)}
    for i, referrer in enumerate(referrers):
        patient = stored[f"Given{i}"]
        assert patient.referrer == referrer
        assert patient.history.get().referrer == referrer
        assert (patient.status == Patient.Status.LEAD) == (i % 3 == 0)
    numbers = [stored[f"Given{i}"].patient_number for i in range(len(rows))]
    assert numbers == [None, 1, 2, None, 3, 4, None, 5]


def test_a_conflict_while_writing_reports_the_rows_read_until_then(organization, monkeypatch):
    """As when batches were stored one after the other: on PostgreSQL the next batch had been read
    (its own errors are reported), elsewhere the import stopped at once."""
    from patients.importing import lookups

    # Nothing else in common with the file's rows (factory phones follow the tests run before).
    PatientFactory(organization=organization, email="elodie@example.com", phone="+14165559999", family_name="Zed")
    monkeypatch.setattr(lookups, "by_email", lambda organization, emails: [])  # the race: the check saw nothing
    rows = [GOOD[0], ["Bad", "Phone", "female", "1990-01-01", "", "555", "ON", "", "", ""]]
    report = run(organization, rows, batch_size=1)
    meanwhile = "A patient registered meanwhile has the same email"
    if connection.vendor == "postgresql":
        assert [e.line for e in report.errors] == [3, 0] and report.errors[1].message.startswith(meanwhile)
    else:
        assert [e.line for e in report.errors] == [0] and report.errors[0].message.startswith(meanwhile)
    assert report.imported == 0 and Patient.objects.count() == 1


def test_a_file_that_stops_being_readable_reports_the_rows_before(organization):
    rows = [GOOD[0], ["Bad", "Phone", "female", "1990-01-01", "", "555", "ON", "", "", ""]]
    rows += [[f"Given{i}", f"Family{i}", "female", "1990-01-01", "", f"+1 613 555 {i:04d}", "", "", "", ""]
             for i in range(400)]  # past the first block the file is decoded in
    text = csv_lines(rows).getvalue().encode() + b"\xff\xfe broken\n"
    report = import_patients(organization, io.TextIOWrapper(io.BytesIO(text), encoding="utf-8"),
                             actor=import_actor(None, command=True), batch_size=50)
    assert [(e.line, e.column) for e in report.errors] == [(3, "phone"), (0, "")]
    assert "not UTF-8" in report.errors[1].message
    assert report.imported == 0 and not Patient.objects.exists()


def test_the_import_leaves_the_interpreter_and_the_transaction_as_it_found_them(organization):
    import gc
    import sys

    from django.db import transaction

    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    during = []
    with transaction.atomic():
        assert run(organization, GOOD, batch_size=2, progress=lambda rows: during.append(gc.get_threshold())).ok
        assert sys.getswitchinterval() == interval and gc.get_threshold() == thresholds
        # Foreign keys are checked at commit again (Django's constraints are deferred): a card may
        # still be written before its patient in the same transaction.
        patient = PatientFactory.build(organization=organization)
        HealthCard.objects.create(organization=organization, patient_id=patient.pk, number="9287170261",
                                  province="ON")
        patient.save()
    assert run(organization, [["Bad", "Phone", "female", "1990-01-01", "", "555", "ON", "", "", ""]]).error_count == 1
    assert sys.getswitchinterval() == interval and gc.get_threshold() == thresholds
    assert HealthCard.objects.filter(patient=patient).exists()
    # While it ran, the batches under way did not set off full collections (see fewer_collections).
    assert during and all(t == (max(thresholds[0], 50_000), *thresholds[1:]) for t in during)


def test_the_clinics_registration_policy_refuses_rows_per_column(organization):
    organization.required_fields = ["email", "health_card"]
    organization.lead_requires = "phone"
    organization.save()
    header = [*HEADER, "status"]
    rows = [[*row, ""] for row in GOOD] + [["Lee", "Lead", "male", "", "", "", "", "", "", "", "lead"]]
    found = errors(run(organization, rows, header))
    assert found == {
        (3, "email"): "Required by this clinic.", (3, "health_card_number"): "Required by this clinic.",
        (5, "phone"): "Required by this clinic.",
    }
    assert not Patient.objects.exists()


def test_a_merged_records_email_and_emr_id_do_not_block_a_row(organization, owner):
    """As the unique constraints: a merged record keeps its email and EMR id, which may be used again."""
    from patients.merging.services import merge_patients

    survivor = PatientFactory(organization=organization, email="kept@example.com", emr_id=1)
    merged = PatientFactory(organization=organization, email="old@example.com", emr_id=77)
    merge_patients(merged=merged, survivor=survivor, keep={"email": "survivor", "emr_id": "survivor"},
                   actor=Actor.for_user(owner))
    header = ["given_name", "family_name", "gender", "date_of_birth", "phone", "email", "emr_id"]
    row = ["Ana", "Novak", "female", "1991-02-03", "+1 416 555 0142", "OLD@example.com", "77"]

    report = run(organization, [row], header)

    assert report.ok and report.imported == 1, errors(report)
    assert Patient.objects.get(emr_id=77, status=Patient.Status.ACTIVE).email == "OLD@example.com"
