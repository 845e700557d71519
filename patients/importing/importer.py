"""The importer: reads the file, checks each row and each batch, and writes batches (see __init__)."""

import csv
import gc
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from organizations.models import Organization
from patients import metrics
from patients.actors import Actor
from patients.importing import lookups
from patients.importing.rows import (
    COLUMNS,
    IGNORED_COLUMNS,
    LINK_COLUMNS,
    BatchErrors,
    Row,
    RowChecker,
)
from patients.importing.writing import (
    BatchWriter,
    PatientRecords,
    TableRows,
    allocate_numbers,
    copy_to_history,
    new_ids,
)
from patients.merging.worklist import add_pairs_of_batch
from patients.models import HealthCard, Patient
from patients.names import fold
from patients.templatetags.intake import REASONS

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


def normalize_column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _describe(number, given, family) -> str:
    if number:
        return f"patient #{number}"
    name = " ".join(p for p in (given, family) if p)
    return f"the lead {name}".strip() if name else "a lead"


_PATIENT_COLUMNS = [f.attname for f in Patient._meta.concrete_fields]
_CARD_COLUMNS = ["id", "organization_id", "patient_id", "number", "version_code", "province", "expiry_date"]


class _NewRows:
    """A checked batch's rows as they will be stored; patient numbers are given when it is stored."""

    def __init__(self, now, transformer):
        self.now = now
        self.patients = TableRows(Patient, _PATIENT_COLUMNS, transformer, numbered_by="patient_number")
        self.leads: list[bool] = []  # per patient: a lead takes no number
        self.cards = TableRows(HealthCard, _CARD_COLUMNS, transformer)
        self.providers = TableRows(Patient.providers.through, ["patient_id", "provider_id"], transformer)
        self.groups = TableRows(Patient.groups.through, ["patient_id", "patientgroup_id"], transformer)
        self.ids: list = []


class _Probe:
    """What a batch asks the database (against registered patients), gathered in the reading thread:
    the lines of its rows by each key, and the keys to look up."""

    def __init__(self, rows: list[Row], *, possible_duplicates: bool):
        self.lines = [r.line for r in rows]
        self.by_email = {r.email_key: r.line for r in rows if r.email_key}
        self.by_emr = {r.values["emr_id"]: r.line for r in rows if r.values.get("emr_id") is not None}
        self.by_card = {r.card_key: r.line for r in rows if r.card_key}
        self.emails = lookups.Keys(self.by_email) if self.by_email else None
        self.emr_ids = lookups.Keys(self.by_emr) if self.by_emr else None
        self.card_numbers = lookups.Keys({number for _, number in self.by_card}) if self.by_card else None
        self.by_phone: dict = {}
        self.by_family: dict = {}
        if possible_duplicates:
            for row in rows:
                if row.values.get("phone"):
                    self.by_phone.setdefault(row.values["phone"], []).append(row.line)
                if row.family_key:
                    self.by_family.setdefault(row.family_key, []).append(row.line)
        self.phones = lookups.Keys(self.by_phone) if self.by_phone else None
        self.families = lookups.Keys(self.by_family, *lookups.FAMILY_AND_BIRTH_DATE) if self.by_family else None


YOUNG_COLLECTION_THRESHOLD = 50_000


@contextmanager
def fewer_collections():
    """The garbage collector's youngest generation collected every 50,000 new objects, not 700, while
    the import runs. The rows of the batches under way outlive many young collections, so they
    reached the oldest generation and set off a full collection every few batches: 14 for 100,000
    rows, a fifth of the reading thread's CPU. The import makes no cycles to wait for."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG_COLLECTION_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


class PatientImporter:
    """Reads and checks rows in this thread; compares each batch with the database and stores it in
    the writer's (see BatchWriter): the database works on one batch while the next is read."""

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
        self.found = BatchErrors()  # the errors of the batch being read
        self.rows_refused = False  # by the rows' own checks, so far
        self.inserted_ids: set = set()
        self.imported_leads = 0
        self.failure: BaseException | None = None  # what storing a batch raised
        self.reported_after_failure = False

    # ---- reading -------------------------------------------------------------------------

    def run(self, lines: Iterable[str]) -> ImportReport:
        with fewer_collections():
            return self._run(lines)

    def _run(self, lines: Iterable[str]) -> ImportReport:
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader, None)
            if not self._read_header(header):
                return self.report
            links = {column: self._names(model) for column, model in LINK_COLUMNS.items() if column in self.columns}
            self.checker = RowChecker(self.organization, actor=self.actor, columns=self.columns, links=links,
                                      allow_possible_duplicates=self.allow_possible_duplicates)
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
            self._report(self.found)  # the rows read before the unreadable line
            self.report.add_error(0, "", gettext("The file is not UTF-8 text: save it as “CSV UTF-8” and try again."))
        except csv.Error as exc:
            self._report(self.found)
            problem = gettext("The file is not a readable CSV file (%(problem)s).") % {"problem": exc}
            self.report.add_error(0, "", problem)
        if not self.report.ok or self.dry_run:
            self.report.imported = 0
        else:
            metrics.registered(self.actor.channel, lead=False, count=self.report.imported - self.imported_leads)
            metrics.registered(self.actor.channel, lead=True, count=self.imported_leads)
        return self.report

    def _read_header(self, header) -> bool:
        if not header or not any(cell.strip() for cell in header):
            self.report.add_error(0, "", gettext("The file is empty: the first line must name the columns."))
            return False
        self.columns = [normalize_column(h) for h in header]
        unknown = [h for h, c in zip(header, self.columns, strict=True)
                   if c and c not in COLUMNS and c not in IGNORED_COLUMNS]
        repeated = sorted({c for c in self.columns if c and self.columns.count(c) > 1})
        if unknown:
            self.report.add_error(1, "", gettext("Unknown column(s): %(unknown)s. Known columns: %(known)s.") % {
                "unknown": ", ".join(unknown), "known": ", ".join(COLUMNS)})
        if repeated:
            problem = gettext("Column(s) named twice: %(columns)s.") % {"columns": ", ".join(repeated)}
            self.report.add_error(1, "", problem)
        return self.report.ok

    def _names(self, model) -> dict[str, object]:
        return {fold(name): pk for pk, name in
                model.objects.for_organization(self.organization).values_list("pk", "name")}

    def _run_rows(self, reader):
        check = self.checker.check
        batch, read = [], 0
        for cells in reader:
            if not "".join(cells).strip():
                continue  # blank lines, or a spreadsheet's trailing empty rows
            self.report.rows += 1
            read += 1
            row = check(reader.line_num, cells, self.found)
            if row is not None:
                batch.append(row)
            if read >= self.batch_size:
                self._finish_batch(batch)
                batch, read = [], 0
        self._finish_batch(batch)

    def _finish_batch(self, batch: list[Row]):
        found, self.found = self.found, BatchErrors()
        self.rows_refused = self.rows_refused or bool(found.errors)
        new = None
        if not self.dry_run and not self.rows_refused and batch:
            new = self._new_rows(batch)  # stored only if the database holds none of them either
        rows = [r for r in batch if not r.failed]
        probe = _Probe(rows, possible_duplicates=not self.allow_possible_duplicates) if rows else None
        self.writer.submit(self._store_batch, probe, found, new)
        if self.progress is not None:
            self.progress(self.report.rows)

    # ---- each batch, in the writer's thread, in file order ----------------------------------------

    def _report(self, found: BatchErrors):
        for line, column, message in found.errors:
            self.report.add_error(line, column, message)
        self.report.rows_with_errors += found.rows_with_errors

    def _store_batch(self, probe: _Probe | None, found: BatchErrors, new: _NewRows | None):
        if self.failure is not None:
            # An earlier batch could not be stored: nothing more is checked. The report shows the rows
            # read until then, the batch after the failed one, as when the batches were stored in turn.
            if not self.reported_after_failure:
                self.reported_after_failure = True
                self._report(found)
            return
        try:
            self._report(found)
            self._check_registered(probe)
            if new is not None and self.report.ok:
                self._insert(new)
        except BaseException as exc:
            self.failure = exc
            raise

    # ---- against registered patients (a few queries per batch) -----------------------------------

    def _check_registered(self, probe: _Probe | None):
        if probe is None:
            return
        org = self.organization
        problems: dict[int, list[tuple[str, str]]] = {}

        def refuse_all(found, line_by_key, column, message):
            for pk, number, given, family, key in found:
                line = line_by_key.get(key)
                if line is not None and pk not in self.inserted_ids:
                    who = _describe(number, given, family)
                    problems.setdefault(line, []).append((column, f"{message} ({who})."))

        if probe.by_email:
            refuse_all(lookups.by_email(org, probe.emails), probe.by_email, "email",
                       "A patient with this email is already registered")
        if probe.by_emr:
            refuse_all(lookups.by_emr_id(org, probe.emr_ids), probe.by_emr, "emr_id",
                       "A patient with this EMR id is already registered")
        if probe.by_card:
            refuse_all(lookups.by_health_card(org, probe.card_numbers), probe.by_card,
                       "health_card_number", "A patient with this health card is already registered")
        if not self.allow_possible_duplicates:
            for line, message in self._possible_duplicates(probe).items():
                problems.setdefault(line, []).append(("", message))
        for line in probe.lines:
            for column, message in problems.get(line, ()):
                self.report.add_error(line, column, message)
            if line in problems:
                self.report.rows_with_errors += 1

    def _possible_duplicates(self, probe: _Probe) -> dict[int, str]:
        """The reasons find_possible_duplicates gives that an index answers for a whole batch."""
        reasons: dict[int, dict[str, list[str]]] = {}  # line -> who -> why
        checks = (
            ("same phone", probe.by_phone, lambda: lookups.by_phone(self.organization, probe.phones)),
            ("same family name and date of birth", probe.by_family,
             lambda: lookups.by_family_name_and_birth_date(self.organization, probe.families)),
        )
        for why, lines_by_key, look_up in checks:
            if not lines_by_key:
                continue
            for pk, number, given, family, key in look_up():
                if pk not in self.inserted_ids:
                    for line in lines_by_key.get(key, ()):
                        reasons.setdefault(line, {}).setdefault(_describe(number, given, family), []).append(why)
        messages = {}
        for line, who in reasons.items():
            listed = "; ".join(f"{name} ({gettext(' and ').join(str(REASONS[w]) for w in why)})"
                               for name, why in list(who.items())[:3])
            if len(who) > 3:
                listed += " " + gettext("and %(count)s more") % {"count": len(who) - 3}
            messages[line] = gettext("Possibly already registered: %(listed)s.") % {"listed": listed}
        return messages

    # ---- writing ------------------------------------------------------------------------------

    def _new_rows(self, batch: list[Row]) -> _NewRows:
        now = timezone.now()
        records = PatientRecords(self.organization, self.actor, now)
        organization_id = self.organization.pk
        new = _NewRows(now, self.writer.transformer)
        new.ids = lookups.Keys(new_ids(len(batch)))
        card_ids = iter(new_ids(sum(1 for r in batch if r.values.get("health_card") is not None)))
        for row, patient_id in zip(batch, new.ids, strict=True):
            new.patients.add(records.record(row.values, as_lead=row.as_lead, search_name=row.search_name,
                                            family_name_key=row.family_name_key, id=patient_id))
            new.leads.append(row.as_lead)
            card = row.values.get("health_card")
            if card is not None:
                new.cards.add({"organization_id": organization_id, "id": next(card_ids), "patient_id": patient_id,
                               "number": card.number, "version_code": card.version_code, "province": card.province,
                               "expiry_date": card.expiry_date})
            for pk in row.provider_ids:
                new.providers.add({"patient_id": patient_id, "provider_id": pk})
            for pk in row.group_ids:
                new.groups.add({"patient_id": patient_id, "patientgroup_id": pk})
        return new

    def _insert(self, new: _NewRows):
        active = new.leads.count(False)
        next_number = allocate_numbers(self.organization, active) if active else None
        numbers = []  # in file order, as register_patient would have taken them
        for lead in new.leads:
            numbers.append(None if lead else next_number)
            if not lead:
                next_number += 1
        connection = self.writer.connection
        new.patients.write(connection, numbers)
        reason = f"Imported from {self.source_name}" if self.source_name else "Imported"
        copy_to_history(connection, Patient, "id", new.ids, new.now, reason, self.actor)
        if new.cards.count:
            new.cards.write(connection)
            copy_to_history(connection, HealthCard, "patient_id", new.ids, new.now, reason, self.actor)
        new.providers.write(connection)
        new.groups.write(connection)
        add_pairs_of_batch(list(new.ids))  # the duplicates worklist, as registration keeps it
        self.inserted_ids.update(new.ids)
        self.report.imported += new.patients.count
        self.imported_leads += new.leads.count(True)
