"""One row of an import file: its cells read as registration data, checked with the API's rules
(`clean_registration`) and against the earlier rows of the same file."""

from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy

from organizations.models import PatientGroup, Provider
from patients.errors import PatientRuleError
from patients.form_fields import ERROR_FIELDS, HEALTH_CARD_FIELDS
from patients.importing.quick_clean import QuickCleaner
from patients.models import Patient
from patients.names import fold
from patients.services import clean_registration
from patients.templatetags.intake import REASONS

UNKNOWN_LINK = {
    "providers": gettext_lazy("No provider named “%(name)s” in this organization."),
    "groups": gettext_lazy("No group named “%(name)s” in this organization."),
}

TEXT_COLUMNS = (
    "given_name", "family_name", "preferred_name", "full_name", "gender", "date_of_birth", "email", "phone",
    "province", "emr_id", "referrer",
)
BOOLEAN_COLUMNS = ("accepts_marketing", "has_insurance")
HEALTH_CARD_COLUMNS = HEALTH_CARD_FIELDS  # the columns are named like the forms' inputs
LINK_COLUMNS = {"providers": Provider, "groups": PatientGroup}  # names, separated by ";"
STATUS_COLUMN = "status"  # "active" (or empty) or "lead"
# Written by an export, set by the import (or, for the last four digits, of no use to it).
IGNORED_COLUMNS = ("patient_number", "organization", "created_at", "health_card_number_last4")
COLUMNS = (*TEXT_COLUMNS, *BOOLEAN_COLUMNS, *HEALTH_CARD_COLUMNS, *LINK_COLUMNS, STATUS_COLUMN)

# Where a service error (domain name) points in the file.
ERROR_COLUMNS = {**ERROR_FIELDS, "__all__": ""}
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}


@dataclass
class Row:
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


@dataclass
class BatchErrors:
    """What the rows of one batch were refused for, in file order: (line, column, message). They go
    into the report when the batch is compared with the database, so the report keeps file order."""

    errors: list[tuple[int, str, str]] = field(default_factory=list)
    rows_with_errors: int = 0

    def add(self, line, column, message):
        self.errors.append((line, column, message))


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


class RowChecker:
    """Reads and checks each row; remembers the keys of the rows before it, for in-file duplicates."""

    def __init__(self, organization, *, actor, columns: list[str], links: dict[str, dict],
                 allow_possible_duplicates: bool):
        self.organization = organization
        self.actor = actor
        self.columns = columns
        self.column_kinds = [(column, _column_kind(column)) for column in columns]
        self.links = links  # column -> folded name -> pk
        self.allow_possible_duplicates = allow_possible_duplicates
        self.quick = QuickCleaner(organization, actor=actor)
        # In-file duplicates: key -> the line that had it first.
        self.seen_emails: dict[str, int] = {}
        self.seen_emr_ids: dict[int, int] = {}
        self.seen_cards: dict[tuple, int] = {}
        self.seen_phones: dict[str, int] = {}
        self.seen_family_births: dict[tuple, int] = {}

    def check(self, line: int, cells: list[str], found: BatchErrors) -> Row | None:
        """The row's registration values, or None when it is refused (its errors go to `found`)."""
        errors_before = len(found.errors)
        if len(cells) > len(self.columns):
            found.add(line, "", gettext("This row has %(values)s values but the header names %(columns)s columns.")
                      % {"values": len(cells), "columns": len(self.columns)})
            found.rows_with_errors += 1
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
                    found.add(line, column, gettext("Import active patients (active or empty) or leads (lead)."))
            elif kind is _LINK:
                for name in filter(None, (n.strip() for n in raw.strip().split(";"))):
                    pk = self.links[column].get(fold(name))
                    if pk is None:
                        found.add(line, column, str(UNKNOWN_LINK[column]) % {"name": name})
                    else:
                        links[column].append(pk)
        if any(card.values()):
            data["health_card"] = card
        values = self.quick.clean(data, as_lead=as_lead)
        if values is None:  # a row out of the ordinary, or refused: the full cleaner says which
            try:
                values = clean_registration(self.organization, data, actor=self.actor, as_lead=as_lead)
            except PatientRuleError as exc:
                for key, messages in exc.errors.items():
                    for message in messages:
                        found.add(line, ERROR_COLUMNS.get(key, key), message)
                values = None
        if values is None or len(found.errors) > errors_before:
            found.rows_with_errors += 1
            return None
        providers, groups = links["providers"], links["groups"]
        row = Row(line, values, as_lead, list(dict.fromkeys(providers)) if len(providers) > 1 else providers,
                  list(dict.fromkeys(groups)) if len(groups) > 1 else groups)
        # The derived search fields exactly as Patient.save() computes them (used for the family-name check too).
        names = _Names(values)
        Patient.refresh_search_fields(names)
        row.search_name, row.family_name_key = names.search_name, names.family_name_key
        self._check_in_file(row, found)
        return row

    def _check_in_file(self, row: Row, found: BatchErrors):
        values, line = row.values, row.line
        problems = []
        if values.get("email"):
            row.email_key = values["email"].lower()
            first = self.seen_emails.setdefault(row.email_key, line)
            if first != line:
                problems.append(("email", gettext("Same email as line %(line)s.") % {"line": first}))
        if values.get("emr_id") is not None:
            first = self.seen_emr_ids.setdefault(values["emr_id"], line)
            if first != line:
                problems.append(("emr_id", gettext("Same EMR id as line %(line)s.") % {"line": first}))
        if values.get("health_card"):
            card = values["health_card"]
            row.card_key = (card.province, card.number)
            first = self.seen_cards.setdefault(row.card_key, line)
            if first != line:
                problems.append(("health_card_number", gettext("Same health card as line %(line)s.") % {"line": first}))
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
                why = gettext(" and ").join(str(REASONS[r]) for f, r in reasons if f == first)
                problems.append(("", gettext("Possibly the same patient as line %(line)s (%(why)s).")
                                 % {"line": first, "why": why}))
        for column, message in problems:
            found.add(line, column, message)
        if problems:
            row.failed = True
            found.rows_with_errors += 1
