"""Import patients from a CSV file: every rule of the API, all or nothing.

Each row is checked with `services.clean_registration`, the same checks `register_patient`
makes, so the import cannot drift from the API. Then, per batch of rows:
- hard conflicts (same email, health card or EMR id as a registered patient or an earlier row)
  and possible duplicates (same phone, or same family name and date of birth) are found with a
  few bulk queries instead of one per row;
- unless this is a dry run or some row was refused, the batch is written at once: patient
  numbers are taken in one block per batch (the organization row stays locked until commit, so
  they are contiguous), rows go in with PostgreSQL COPY (bulk_create elsewhere), and history rows
  are copied from them in SQL.
Everything runs in one transaction, rolled back when any row is refused: a file imports entirely
or not at all. The file is streamed, so memory grows only with the keys kept to find in-file
duplicates.
"""

import csv
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from organizations.models import Organization, PatientGroup, Provider
from patients.actors import Actor
from patients.errors import PatientRuleError
from patients.models import Channel, HealthCard, Patient
from patients.names import fold
from patients.services import MODEL_FIELDS, clean_registration

TEXT_COLUMNS = (
    "given_name", "family_name", "preferred_name", "full_name", "gender", "date_of_birth", "email", "phone",
    "province", "emr_id", "referrer",
)
BOOLEAN_COLUMNS = ("accepts_marketing", "has_insurance")
HEALTH_CARD_COLUMNS = {
    "health_card_number": "number",
    "health_card_province": "province",
    "health_card_version_code": "version_code",
    "health_card_expiry_date": "expiry_date",
}
LINK_COLUMNS = {"providers": Provider, "groups": PatientGroup}  # names, separated by ";"
STATUS_COLUMN = "status"  # "active" (or empty) or "lead"
IGNORED_COLUMNS = ("patient_number", "organization", "created_at")  # written by an export, set by the import
COLUMNS = (*TEXT_COLUMNS, *BOOLEAN_COLUMNS, *HEALTH_CARD_COLUMNS, *LINK_COLUMNS, STATUS_COLUMN)

# Where a service error (domain name) points in the file.
ERROR_COLUMNS = {
    "health_card": "health_card_number",
    "health_card.number": "health_card_number",
    "health_card.province": "health_card_province",
    "health_card.version_code": "health_card_version_code",
    "health_card.expiry_date": "health_card_expiry_date",
    "local_phone": "phone",
    "calling_code": "phone",
    "username": "email",
    "__all__": "",
}
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}
BATCH_SIZE = 2000
MAX_KEPT_ERRORS = 10_000
HISTORY_EXTRA_COLUMNS = (
    "history_date", "history_change_reason", "history_type", "history_user_id", "history_actor", "history_channel",
)


@dataclass(frozen=True)
class CommandLineActor(Actor):
    """Whoever runs `manage.py import_patients` on the server: trusted like staff, named in history."""

    name: str = "import_patients command"

    @property
    def label(self) -> str:
        return self.name

    @property
    def is_trusted(self) -> bool:
        return True


@dataclass
class RowError:
    line: int  # the line in the file (the header is line 1); 0 for the file as a whole
    column: str
    message: str

    def __str__(self):
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool = False
    rows: int = 0
    imported: int = 0
    error_count: int = 0
    rows_with_errors: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_KEPT_ERRORS

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, line, column, message):
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(RowError(line, column, message))


@dataclass
class _Row:
    line: int
    values: dict
    as_lead: bool
    provider_ids: list
    group_ids: list
    email_key: str = ""
    card_key: tuple | None = None
    family_key: tuple | None = None
    failed: bool = False


def normalize_column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _describe(number, given, family) -> str:
    if number:
        return f"patient #{number}"
    name = " ".join(p for p in (given, family) if p)
    return f"the lead {name}".strip() if name else "a lead"


class PatientImporter:
    def __init__(self, organization: Organization, *, actor: Actor, dry_run: bool = False,
                 allow_possible_duplicates: bool = False, batch_size: int = BATCH_SIZE,
                 progress: Callable[[int], None] | None = None, source_name: str = ""):
        self.organization = organization
        self.actor = actor
        self.dry_run = dry_run
        self.allow_possible_duplicates = allow_possible_duplicates
        self.batch_size = batch_size
        self.progress = progress
        self.source_name = source_name
        self.report = ImportReport(dry_run=dry_run)
        # In-file duplicates: key -> the line that had it first.
        self.seen_emails: dict[str, int] = {}
        self.seen_emr_ids: dict[int, int] = {}
        self.seen_cards: dict[tuple, int] = {}
        self.seen_phones: dict[str, int] = {}
        self.seen_family_births: dict[tuple, int] = {}
        self.inserted_ids: set = set()

    # ---- reading -------------------------------------------------------------------------

    def run(self, lines: Iterable[str]) -> ImportReport:
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader, None)
            if not self._read_header(header):
                return self.report
            self.links = {column: self._names(model) for column, model in LINK_COLUMNS.items()
                          if column in self.columns}
            try:
                with transaction.atomic():
                    self._run_rows(reader)
                    if self.dry_run or not self.report.ok:
                        transaction.set_rollback(True)
            except IntegrityError as exc:
                # Another registration took an email or health card while the file was being read.
                self.report.add_error(0, "", f"A patient registered meanwhile conflicts with this file ({exc}). "
                                             "Nothing was imported; run the import again.")
        except UnicodeDecodeError:
            self.report.add_error(0, "", "The file is not UTF-8 text: save it as “CSV UTF-8” and try again.")
        except csv.Error as exc:
            self.report.add_error(0, "", f"The file is not a readable CSV file ({exc}).")
        if not self.report.ok or self.dry_run:
            self.report.imported = 0
        return self.report

    def _read_header(self, header) -> bool:
        if not header or not any(cell.strip() for cell in header):
            self.report.add_error(0, "", "The file is empty: the first line must name the columns.")
            return False
        self.columns = [normalize_column(h) for h in header]
        unknown = [h for h, c in zip(header, self.columns, strict=True)
                   if c and c not in COLUMNS and c not in IGNORED_COLUMNS]
        repeated = sorted({c for c in self.columns if c and self.columns.count(c) > 1})
        if unknown:
            self.report.add_error(1, "", f"Unknown column(s): {', '.join(unknown)}. "
                                         f"Known columns: {', '.join(COLUMNS)}.")
        if repeated:
            self.report.add_error(1, "", f"Column(s) named twice: {', '.join(repeated)}.")
        return self.report.ok

    def _names(self, model) -> dict[str, object]:
        return {fold(name): pk for pk, name in
                model.objects.for_organization(self.organization).values_list("pk", "name")}

    def _run_rows(self, reader):
        batch, read = [], 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, or a spreadsheet's trailing empty rows
            self.report.rows += 1
            read += 1
            row = self._check_row(reader.line_num, cells)
            if row is not None:
                batch.append(row)
            if read >= self.batch_size:
                self._finish_batch(batch)
                batch, read = [], 0
        self._finish_batch(batch)

    def _finish_batch(self, batch):
        self._check_registered(batch)
        if not self.dry_run and self.report.ok and batch:
            self._insert(batch)
        if self.progress is not None:
            self.progress(self.report.rows)

    # ---- one row ---------------------------------------------------------------------------

    def _fail(self, line, column, message):
        self.report.add_error(line, column, message)

    def _check_row(self, line: int, cells: list[str]) -> _Row | None:
        errors_before = self.report.error_count
        if len(cells) > len(self.columns):
            self._fail(line, "", f"This row has {len(cells)} values but the header names {len(self.columns)} columns.")
            self.report.rows_with_errors += 1
            return None
        data, card = {}, {}
        as_lead = False
        links = {"providers": [], "groups": []}
        for column, raw in zip(self.columns, cells, strict=False):
            value = raw.strip()
            if column in TEXT_COLUMNS:
                if value:
                    data[column] = value
            elif column in BOOLEAN_COLUMNS:
                word = value.lower()
                data[column] = True if word in TRUE_WORDS else False if word in FALSE_WORDS else value
            elif column in HEALTH_CARD_COLUMNS:
                card[HEALTH_CARD_COLUMNS[column]] = value
            elif column == STATUS_COLUMN:
                if value.lower() == Patient.Status.LEAD:
                    as_lead = True
                elif value.lower() not in ("", Patient.Status.ACTIVE):
                    self._fail(line, column, "Import active patients (active or empty) or leads (lead).")
            elif column in LINK_COLUMNS:
                for name in filter(None, (n.strip() for n in value.split(";"))):
                    pk = self.links[column].get(fold(name))
                    if pk is None:
                        self._fail(line, column, f"No {column[:-1]} named “{name}” in this organization.")
                    else:
                        links[column].append(pk)
        if any(card.values()):
            data["health_card"] = card
        try:
            values = clean_registration(self.organization, data, actor=self.actor, as_lead=as_lead)
        except PatientRuleError as exc:
            for key, messages in exc.errors.items():
                for message in messages:
                    self._fail(line, ERROR_COLUMNS.get(key, key), message)
            values = None
        if values is None or self.report.error_count > errors_before:
            self.report.rows_with_errors += 1
            return None
        row = _Row(line, values, as_lead, list(dict.fromkeys(links["providers"])), list(dict.fromkeys(links["groups"])))
        self._check_in_file(row)
        return row

    def _check_in_file(self, row: _Row):
        values, line = row.values, row.line
        problems = []
        if values.get("email"):
            row.email_key = values["email"].lower()
            first = self.seen_emails.setdefault(row.email_key, line)
            if first != line:
                problems.append(("email", f"Same email as line {first}."))
        if values.get("emr_id") is not None:
            first = self.seen_emr_ids.setdefault(values["emr_id"], line)
            if first != line:
                problems.append(("emr_id", f"Same EMR id as line {first}."))
        if values.get("health_card"):
            card = values["health_card"]
            row.card_key = (card.province, card.number)
            first = self.seen_cards.setdefault(row.card_key, line)
            if first != line:
                problems.append(("health_card_number", f"Same health card as line {first}."))
        if values.get("date_of_birth") and values.get("family_name"):
            row.family_key = (fold(values["family_name"]), values["date_of_birth"])
        if not self.allow_possible_duplicates:
            reasons = []
            if values.get("phone"):
                first = self.seen_phones.setdefault(values["phone"], line)
                if first != line:
                    reasons.append((first, "same phone"))
            if row.family_key:
                first = self.seen_family_births.setdefault(row.family_key, line)
                if first != line:
                    reasons.append((first, "same family name and date of birth"))
            for first in sorted({f for f, _ in reasons}):
                why = " and ".join(r for f, r in reasons if f == first)
                problems.append(("", f"Possibly the same patient as line {first} ({why})."))
        for column, message in problems:
            self._fail(line, column, message)
        if problems:
            row.failed = True
            self.report.rows_with_errors += 1

    # ---- against registered patients (a few queries per batch) -----------------------------------

    def _check_registered(self, batch: list[_Row]):
        rows = [r for r in batch if not r.failed]
        if not rows:
            return
        patients = Patient.objects.for_organization(self.organization)
        problems: dict[int, list[tuple[str, str]]] = {}

        def refuse(row, column, message):
            problems.setdefault(row.line, []).append((column, message))

        by_email = {r.email_key: r for r in rows if r.email_key}
        if by_email:
            found = (patients.annotate(email_lower=Lower("email")).filter(email_lower__in=list(by_email))
                     .exclude(email="").values_list("pk", "email_lower", "patient_number", "given_name", "family_name"))
            for pk, email, number, given, family in found:
                if pk not in self.inserted_ids:
                    refuse(by_email[email], "email",
                           f"A patient with this email is already registered ({_describe(number, given, family)}).")
        by_emr = {r.values["emr_id"]: r for r in rows if r.values.get("emr_id") is not None}
        if by_emr:
            for pk, emr_id, number, given, family in patients.filter(emr_id__in=list(by_emr)).values_list(
                    "pk", "emr_id", "patient_number", "given_name", "family_name"):
                if pk not in self.inserted_ids:
                    refuse(by_emr[emr_id], "emr_id",
                           f"A patient with this EMR id is already registered ({_describe(number, given, family)}).")
        by_card = {r.card_key: r for r in rows if r.card_key}
        if by_card:
            cards = HealthCard.objects.for_organization(self.organization).filter(
                number__in=[number for _, number in by_card]
            ).values_list("patient_id", "province", "number", "patient__patient_number", "patient__given_name",
                          "patient__family_name")
            for patient_id, province, number, patient_number, given, family in cards:
                row = by_card.get((province, number))
                if row is not None and patient_id not in self.inserted_ids:
                    refuse(row, "health_card_number", "A patient with this health card is already registered "
                                                      f"({_describe(patient_number, given, family)}).")
        if not self.allow_possible_duplicates:
            self._check_possible_duplicates(rows, refuse)
        for row in rows:
            for column, message in problems.get(row.line, ()):
                self._fail(row.line, column, message)
            if row.line in problems:
                row.failed = True
                self.report.rows_with_errors += 1

    def _check_possible_duplicates(self, rows, refuse):
        """The reasons find_possible_duplicates gives that an index can answer for a whole batch."""
        reasons: dict[int, dict[str, list[str]]] = {}  # line -> who -> why
        statuses = [Patient.Status.ACTIVE.value, Patient.Status.LEAD.value]
        by_phone: dict[str, list[_Row]] = {}
        for r in rows:
            if r.values.get("phone"):
                by_phone.setdefault(r.values["phone"], []).append(r)
        if by_phone:
            for pk, phone, number, given, family in self._patients_with_phones(list(by_phone), statuses):
                if pk not in self.inserted_ids:
                    for r in by_phone.get(phone, ()):
                        reasons.setdefault(r.line, {}).setdefault(_describe(number, given, family), []).append(
                            "same phone")
        by_family: dict[tuple, list[_Row]] = {}
        for r in rows:
            if r.family_key:
                by_family.setdefault(r.family_key, []).append(r)
        if by_family:
            found = Patient.objects.for_organization(self.organization).filter(
                status__in=statuses, family_name_key__in={k for k, _ in by_family},
                date_of_birth__in={d for _, d in by_family},
            ).values_list("pk", "family_name_key", "date_of_birth", "patient_number", "given_name", "family_name")
            for pk, family_key, born, number, given, family in found:
                if pk not in self.inserted_ids:
                    for r in by_family.get((family_key, born), ()):
                        reasons.setdefault(r.line, {}).setdefault(_describe(number, given, family), []).append(
                            "same family name and date of birth")
        line_rows = {r.line: r for r in rows}
        for line, who in reasons.items():
            listed = "; ".join(f"{name} ({' and '.join(why)})" for name, why in list(who.items())[:3])
            more = f" and {len(who) - 3} more" if len(who) > 3 else ""
            refuse(line_rows[line], "", f"Possibly already registered: {listed}{more}.")

    def _patients_with_phones(self, phones, statuses):
        # Raw SQL: the phone field's own lookup parses every number again (~0.15 ms each).
        table = Patient._meta.db_table
        org = Patient._meta.get_field("organization").get_db_prep_value(self.organization.pk, connection)
        pk = Patient._meta.pk
        sql = (f"SELECT id, phone, patient_number, given_name, family_name FROM {table} "
               f"WHERE organization_id = %s AND status IN ({', '.join(['%s'] * len(statuses))}) "
               f"AND phone IN ({', '.join(['%s'] * len(phones))})")
        with connection.cursor() as cursor:
            cursor.execute(sql, [org, *statuses, *phones])
            return [(pk.to_python(i), phone, n, g, f) for i, phone, n, g, f in cursor.fetchall()]

    # ---- writing ------------------------------------------------------------------------------

    def _allocate_numbers(self, count: int) -> int:
        """The first of `count` new patient numbers (the same counter allocate_patient_number moves)."""
        organizations = Organization.objects.filter(pk=self.organization.pk)
        organizations.update(last_patient_number=F("last_patient_number") + count)
        last = organizations.values_list("last_patient_number", flat=True).get()
        return last - count + 1

    def _insert(self, batch: list[_Row]):
        rows = [r for r in batch if not r.failed]
        now = timezone.now()
        active = sum(1 for r in rows if not r.as_lead)
        next_number = self._allocate_numbers(active) if active else None
        patients, cards, providers, groups = [], [], [], []
        user_id = getattr(self.actor.user, "pk", None)
        for row in rows:
            record = self._patient_record(row, now, user_id)
            if not row.as_lead:
                record["patient_number"] = next_number
                next_number += 1
            patients.append(record)
            card = row.values.get("health_card")
            if card is not None:
                cards.append({"id": uuid.uuid4(), "organization_id": self.organization.pk, "patient_id": record["id"],
                              "number": card.number, "version_code": card.version_code, "province": card.province,
                              "expiry_date": card.expiry_date})
            providers += [{"patient_id": record["id"], "provider_id": pk} for pk in row.provider_ids]
            groups += [{"patient_id": record["id"], "patientgroup_id": pk} for pk in row.group_ids]
        ids = [p["id"] for p in patients]
        _write_rows(Patient, patients)
        reason = f"Imported from {self.source_name}" if self.source_name else "Imported"
        _copy_to_history(Patient, "id", ids, now, reason, self.actor)
        if cards:
            _write_rows(HealthCard, cards)
            _copy_to_history(HealthCard, "patient_id", ids, now, reason, self.actor)
        if providers:
            _write_rows(Patient.providers.through, providers)
        if groups:
            _write_rows(Patient.groups.through, groups)
        self.inserted_ids.update(ids)
        self.report.imported += len(patients)

    def _patient_record(self, row: _Row, now, user_id) -> dict:
        """What register_patient would store for this row, as column values."""
        if not hasattr(self, "_defaults"):
            self._defaults = {f.attname: f.get_default() for f in Patient._meta.concrete_fields}
        record = dict(self._defaults)
        values = row.values
        record.update({f: values[f] for f in MODEL_FIELDS if f in values})
        names = SimpleNamespace(**{f: record[f] for f in ("given_name", "family_name", "preferred_name", "full_name")})
        Patient.refresh_search_fields(names)
        record.update(
            id=uuid.uuid4(), organization_id=self.organization.pk,
            status=Patient.Status.LEAD if row.as_lead else Patient.Status.ACTIVE,
            roles=values.get("roles") or ["patient"], meta=values.get("meta") or {},
            created_via=self.actor.channel, created_by_id=user_id, created_by_api_key_id=None,
            created_at=now, updated_at=now, search_name=names.search_name, family_name_key=names.family_name_key,
        )
        return record


def _write_rows(model, records: list[dict]):
    """Insert `records` (column values by attname): COPY on PostgreSQL, bulk_create elsewhere."""
    fields = [f for f in model._meta.concrete_fields if f.attname in records[0]]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**r) for r in records], batch_size=500)
        return
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([json.dumps(record[a]) if a in json_fields else record[a] for a in attnames])


def _copy_to_history(model, key_column, ids, now, reason, actor: Actor):
    """One history row ("created") per row just inserted, copied in SQL from the rows themselves."""
    history = model.history.model
    q = connection.ops.quote_name
    tracked = [f.column for f in history._meta.concrete_fields
               if f.column != "history_id" and f.column not in HISTORY_EXTRA_COLUMNS]
    key = Patient._meta.pk
    sql = (
        f"INSERT INTO {q(history._meta.db_table)} ({', '.join(map(q, tracked))}, "
        f"{', '.join(map(q, HISTORY_EXTRA_COLUMNS))}) "
        f"SELECT {', '.join(map(q, tracked))}, %s, %s, %s, %s, %s, %s FROM {q(model._meta.db_table)} "
        f"WHERE {q(key_column)} IN ({', '.join(['%s'] * len(ids))})"
    )
    date = history._meta.get_field("history_date").get_db_prep_value(now, connection)
    params = [date, reason, "+", getattr(actor.user, "pk", None), actor.label[:200], actor.channel]
    params += [key.get_db_prep_value(i, connection) for i in ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def import_patients(organization, lines: Iterable[str], *, actor: Actor, dry_run: bool = False,
                    allow_possible_duplicates: bool = False, progress=None, source_name: str = "",
                    batch_size: int = BATCH_SIZE) -> ImportReport:
    """Check every row of a CSV file (an iterable of text lines) and, unless `dry_run`, register
    them all in `organization`, or none when any row is refused. See the module docstring."""
    importer = PatientImporter(
        organization, actor=actor, dry_run=dry_run, allow_possible_duplicates=allow_possible_duplicates,
        batch_size=batch_size, progress=progress, source_name=source_name,
    )
    return importer.run(lines)


def import_actor(user=None, *, command=False) -> Actor:
    if command and user is None:
        return CommandLineActor(channel=Channel.IMPORT)
    return Actor.for_user(user, Channel.IMPORT)
