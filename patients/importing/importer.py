"""The importer: reads the file, checks each row and each batch, and writes batches (see __init__)."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import Organization, PatientGroup, Provider
from patients.actors import Actor
from patients.errors import PatientRuleError
from patients.form_fields import ERROR_FIELDS, HEALTH_CARD_FIELDS
from patients.importing import lookups
from patients.importing.writing import (
    BatchWriter,
    PatientRecords,
    allocate_numbers,
    copy_to_history,
    new_ids,
    write_rows,
)
from patients.models import HealthCard, Patient
from patients.names import fold
from patients.services import clean_registration

TEXT_COLUMNS = (
    "given_name", "family_name", "preferred_name", "full_name", "gender", "date_of_birth", "email", "phone",
    "province", "emr_id", "referrer",
)
BOOLEAN_COLUMNS = ("accepts_marketing", "has_insurance")
HEALTH_CARD_COLUMNS = HEALTH_CARD_FIELDS  # the columns are named like the forms' inputs
LINK_COLUMNS = {"providers": Provider, "groups": PatientGroup}  # names, separated by ";"
STATUS_COLUMN = "status"  # "active" (or empty) or "lead"
IGNORED_COLUMNS = ("patient_number", "organization", "created_at")  # written by an export, set by the import
COLUMNS = (*TEXT_COLUMNS, *BOOLEAN_COLUMNS, *HEALTH_CARD_COLUMNS, *LINK_COLUMNS, STATUS_COLUMN)

# Where a service error (domain name) points in the file.
ERROR_COLUMNS = {**ERROR_FIELDS, "__all__": ""}
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}
BATCH_SIZE = 2000
MAX_KEPT_ERRORS = 10_000


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
    search_name: str = ""
    family_name_key: str = ""
    email_key: str = ""
    card_key: tuple | None = None
    family_key: tuple | None = None
    failed: bool = False


_TEXT, _BOOLEAN, _CARD, _STATUS, _LINK, _UNUSED = "text", "boolean", "card", "status", "link", "unused"


def _column_kind(column: str) -> str:
    if column in TEXT_COLUMNS:
        return _TEXT
    if column in BOOLEAN_COLUMNS:
        return _BOOLEAN
    if column in HEALTH_CARD_COLUMNS:
        return _CARD
    if column == STATUS_COLUMN:
        return _STATUS
    if column in LINK_COLUMNS:
        return _LINK
    return _UNUSED  # ignored columns, and columns without a name


class _Names:
    """What Patient.refresh_search_fields reads and sets."""

    __slots__ = ("given_name", "family_name", "preferred_name", "full_name", "search_name", "family_name_key")

    def __init__(self, values: dict):
        self.given_name = values.get("given_name", "")
        self.family_name = values.get("family_name", "")
        self.preferred_name = values.get("preferred_name", "")
        self.full_name = values.get("full_name", "")


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
                with transaction.atomic(), BatchWriter() as self.writer:
                    self._run_rows(reader)
                    self.writer.wait()
                    if self.dry_run or not self.report.ok:
                        transaction.set_rollback(True)
            except IntegrityError:
                # Another registration took an email, health card or EMR id while the file was being read.
                self.report.add_error(0, "", "A patient registered meanwhile has the same email, health card or EMR "
                                             "id as a row of this file. Nothing was imported; run the import again "
                                             "to see which row.")
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
        self.column_kinds = [(column, _column_kind(column)) for column in self.columns]
        batch, read = [], 0
        for cells in reader:
            if not "".join(cells).strip():
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
        self.writer.wait()  # the previous batch is stored before this one is compared with the database
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
        for (column, kind), raw in zip(self.column_kinds, cells, strict=False):
            if kind is _TEXT:
                value = raw.strip()
                if value:
                    data[column] = value
            elif kind is _BOOLEAN:
                value = raw.strip()
                word = value.lower()
                data[column] = True if word in TRUE_WORDS else False if word in FALSE_WORDS else value
            elif kind is _CARD:
                card[HEALTH_CARD_COLUMNS[column]] = raw.strip()
            elif kind is _STATUS:
                word = raw.strip().lower()
                if word == Patient.Status.LEAD:
                    as_lead = True
                elif word not in ("", Patient.Status.ACTIVE):
                    self._fail(line, column, "Import active patients (active or empty) or leads (lead).")
            elif kind is _LINK:
                for name in filter(None, (n.strip() for n in raw.strip().split(";"))):
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
        providers, groups = links["providers"], links["groups"]
        row = _Row(line, values, as_lead, list(dict.fromkeys(providers)) if len(providers) > 1 else providers,
                   list(dict.fromkeys(groups)) if len(groups) > 1 else groups)
        # The derived search fields exactly as Patient.save() computes them (used for the family-name check too).
        names = _Names(values)
        Patient.refresh_search_fields(names)
        row.search_name, row.family_name_key = names.search_name, names.family_name_key
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
        if values.get("date_of_birth") and row.family_name_key:
            row.family_key = (row.family_name_key, values["date_of_birth"])
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
        org = self.organization
        problems: dict[int, list[tuple[str, str]]] = {}

        def refuse_all(found, rows_by_key, column, message):
            for pk, number, given, family, key in found:
                row = rows_by_key.get(key)
                if row is not None and pk not in self.inserted_ids:
                    who = _describe(number, given, family)
                    problems.setdefault(row.line, []).append((column, f"{message} ({who})."))

        by_email = {r.email_key: r for r in rows if r.email_key}
        if by_email:
            refuse_all(lookups.by_email(org, by_email), by_email, "email",
                       "A patient with this email is already registered")
        by_emr = {r.values["emr_id"]: r for r in rows if r.values.get("emr_id") is not None}
        if by_emr:
            refuse_all(lookups.by_emr_id(org, by_emr), by_emr, "emr_id",
                       "A patient with this EMR id is already registered")
        by_card = {r.card_key: r for r in rows if r.card_key}
        if by_card:
            refuse_all(lookups.by_health_card(org, {number for _, number in by_card}), by_card,
                       "health_card_number", "A patient with this health card is already registered")
        if not self.allow_possible_duplicates:
            for line, message in self._possible_duplicates(rows).items():
                problems.setdefault(line, []).append(("", message))
        for row in rows:
            for column, message in problems.get(row.line, ()):
                self._fail(row.line, column, message)
            if row.line in problems:
                row.failed = True
                self.report.rows_with_errors += 1

    def _possible_duplicates(self, rows) -> dict[int, str]:
        """The reasons find_possible_duplicates gives that an index answers for a whole batch."""
        reasons: dict[int, dict[str, list[str]]] = {}  # line -> who -> why
        checks = (
            ("same phone", lambda r: r.values.get("phone") or None, lambda keys: lookups.by_phone(
                self.organization, keys)),
            ("same family name and date of birth", lambda r: r.family_key,
             lambda keys: lookups.by_family_name_and_birth_date(self.organization, keys)),
        )
        for why, key_of, look_up in checks:
            by_key: dict = {}
            for row in rows:
                if key_of(row):
                    by_key.setdefault(key_of(row), []).append(row)
            if not by_key:
                continue
            for pk, number, given, family, key in look_up(list(by_key)):
                if pk not in self.inserted_ids:
                    for row in by_key.get(key, ()):
                        reasons.setdefault(row.line, {}).setdefault(_describe(number, given, family), []).append(why)
        messages = {}
        for line, who in reasons.items():
            listed = "; ".join(f"{name} ({' and '.join(why)})" for name, why in list(who.items())[:3])
            more = f" and {len(who) - 3} more" if len(who) > 3 else ""
            messages[line] = f"Possibly already registered: {listed}{more}."
        return messages

    # ---- writing ------------------------------------------------------------------------------

    def _insert(self, batch: list[_Row]):
        rows = [r for r in batch if not r.failed]
        now = timezone.now()
        records = PatientRecords(self.organization, self.actor, now)
        active = sum(1 for r in rows if not r.as_lead)
        next_number = allocate_numbers(self.organization, active) if active else None
        organization_id = self.organization.pk
        patients, cards, providers, groups = [], [], [], []
        ids = new_ids(len(rows))
        card_ids = iter(new_ids(sum(1 for r in rows if r.values.get("health_card") is not None)))
        for row, patient_id in zip(rows, ids, strict=True):
            record = records.record(row.values, as_lead=row.as_lead, search_name=row.search_name,
                                    family_name_key=row.family_name_key, id=patient_id)
            if not row.as_lead:
                record["patient_number"] = next_number
                next_number += 1
            patients.append(record)
            card = row.values.get("health_card")
            if card is not None:
                cards.append({"organization_id": organization_id, "id": next(card_ids), "patient_id": patient_id,
                              "number": card.number, "version_code": card.version_code, "province": card.province,
                              "expiry_date": card.expiry_date})
            for pk in row.provider_ids:
                providers.append({"patient_id": patient_id, "provider_id": pk})
            for pk in row.group_ids:
                groups.append({"patient_id": patient_id, "patientgroup_id": pk})
        reason = f"Imported from {self.source_name}" if self.source_name else "Imported"
        self.writer.submit(_write_batch, patients, cards, providers, groups, ids, now, reason, self.actor)
        self.inserted_ids.update(ids)
        self.report.imported += len(patients)


def _write_batch(connection, patients, cards, providers, groups, ids, now, reason, actor):
    write_rows(connection, Patient, patients)
    copy_to_history(connection, Patient, "id", ids, now, reason, actor)
    if cards:
        write_rows(connection, HealthCard, cards)
        copy_to_history(connection, HealthCard, "patient_id", ids, now, reason, actor)
    if providers:
        write_rows(connection, Patient.providers.through, providers)
    if groups:
        write_rows(connection, Patient.groups.through, groups)
