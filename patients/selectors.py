"""Reads on patients: search, shared by the API, the front-desk pages and the admin."""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import BooleanField, CharField, F, Func, Q, Subquery, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Contains, Exact, StartsWith

from patients import validation as v
from patients.dates import DateReadings, read_date_query
from patients.health_cards import normalize_health_card_number
from patients.models import HealthCard, Patient, Verification
from patients.names import fold
from patients.pagination import PageReading

_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{7,}$")
MAX_NAME_WORDS = 8
HIDDEN_BY_DEFAULT = (Patient.Status.ARCHIVED, Patient.Status.MERGED)


class IsAnyOf(Func):
    """`column IN (subquery)`, written for PostgreSQL as `column = ANY(ARRAY(subquery))`.

    Inside an OR, "id IN (subquery)" hides the other conditions' indexes from PostgreSQL, which then
    walks the whole organization newest first (a second on 1M patients, bench/findings.md); the
    array form is computed once up front and read through the primary key like any other value.
    """

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (column, column_params), (rows, rows_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"{column} IN {rows}", (*column_params, *rows_params)

    def as_postgresql(self, compiler, connection, **extra):
        (column, column_params), (rows, rows_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"{column} = ANY(ARRAY{rows})", (*column_params, *rows_params)


def patient_search_filter(organization, query: str, *, organizations=None) -> Q:
    """The condition matching `query` typed in a search box: a name (partial, accent- and
    case-insensitive, every word must match), a phone in any format, a date of birth (as
    `patients.dates.read_date_query` reads it: both readings when day and month can swap), a patient
    number, a health card number or an email.

    `organizations` (the admin, searching several organizations at once): whose health cards
    are looked up, instead of `organization`'s; phones are still read in `organization`'s region.
    """
    # NUL: PostgreSQL refuses it in a query parameter, and no stored value holds one.
    text = (query or "").replace("\x00", "").strip()
    if not text:
        return Q()
    if "@" in text:
        # lower(email) = ..., the expression the unique index is built on; needs no annotation.
        return Q(Exact(Lower("email"), text.lower())) & ~Q(email="")
    readings = read_date_query(text)
    if readings is not None and readings.only_a_date:
        return Q(date_of_birth__in=readings.dates)
    condition = Q(pk__in=[])
    if readings is not None:  # eight digits: a date, and maybe a patient number or health card
        condition |= Q(date_of_birth__in=readings.dates)
    number = _patient_number(text)
    if number is not None:
        condition |= Q(patient_number=number)
    if _PHONE_LIKE.match(text):
        try:
            condition |= Q(phone=v.clean_phone(text, organization.default_phone_region))
        except v.FieldError:
            pass
    card = normalize_health_card_number(text)
    if len(card) >= 8 and any(c.isdigit() for c in card) and re.fullmatch(r"[A-Z0-9]+", card):
        cards = (HealthCard.objects.for_organization(organization) if organizations is None
                 else HealthCard.objects.for_organizations(organizations))
        condition |= Q(IsAnyOf(F("pk"), Subquery(cards.filter(number=card).values("patient_id"))))
    if any(c.isalpha() for c in text):
        condition |= name_filter(text)
    return condition


# What PostgreSQL's text search parser reads from `search_name` for the word index: '<' (an HTML
# tag, which can swallow several words) and ':' ('smith://x' is a URL protocol, dropped) become
# spaces, so every word of the name starts a lexeme. Migration patients/0012 indexes this exact text.
SEARCH_WORDS_SOURCE = "translate({column}, '<:', '  ')"
SEARCH_WORDS_VECTOR = f"to_tsvector('simple'::regconfig, {SEARCH_WORDS_SOURCE})"
# A typed word the word index can pre-filter: letters, split by hyphens or apostrophes (as the parser
# splits them), and nothing it reads otherwise (digits: '1e5x' is a number then 'x', '-12' a signed
# number; '_', '.', '@', '/': other tokens), so each piece is the start of a lexeme of every name the
# LIKE matches. Any other word is left to its LIKE alone.
_INDEXABLE_WORD = re.compile(r"[^\W\d_]+(?:[-']+[^\W\d_]+)*[-']*")
_LETTER_CATEGORIES = {"Ll", "Lu", "Lo"}  # letters to every locale's parser; not Lm, Lt, marks


class MatchesNameWords(Func):
    """PostgreSQL: `search_name` has a word starting with each of the tsquery's prefixes, read
    through the GIN index `patient_search_words` (a superset of the LIKE conditions it is ANDed
    with, which stay the exact filter). Elsewhere: always true, the LIKEs alone decide."""

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        return "1=1", ()

    def as_postgresql(self, compiler, connection, **extra):
        (column, column_params), (query, query_params) = (compiler.compile(e) for e in self.source_expressions)
        vector = SEARCH_WORDS_VECTOR.format(column=column)
        return f"{vector} @@ to_tsquery('simple'::regconfig, {query})", (*column_params, *query_params)


def _indexable_pieces(word: str) -> list[str]:
    """The prefixes the word index can look `word` up by, or [] when it cannot (see above)."""
    if not _INDEXABLE_WORD.fullmatch(word):
        return []
    if not word.isascii() and any(
        unicodedata.category(c) not in _LETTER_CATEGORIES for c in word if c not in "-'"
    ):
        return []
    return re.findall(r"\w+", word)


def search_words_condition(words: list[str]) -> Q:
    """The word-index lookup of every indexable word of `words` (folded): a superset of their LIKEs
    on PostgreSQL, always true elsewhere; Q() when none of them is indexable."""
    pieces = list(dict.fromkeys(p for word in words for p in _indexable_pieces(word)))
    if not pieces:
        return Q()
    # Each piece a quoted literal (letters only, but quoted anyway): no input is read as tsquery syntax.
    query = " & ".join("'" + p.replace("\\", "\\\\").replace("'", "''") + "':*" for p in pieces)
    return Q(MatchesNameWords(F("search_name"), Value(query)))


class OnlyRechecked(Func):
    """PostgreSQL: the column as an expression no index is built on, so the conditions on it only
    recheck the rows another index found. Elsewhere: the column itself."""

    output_field = CharField()
    arity = 1
    template = "(%(expressions)s || '')"

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, **extra)


def _name_words(text: str) -> list[str]:
    # Distinct words, a few at most: a pasted paragraph must not become thousands of LIKEs.
    return list(dict.fromkeys(fold(text.replace("\x00", "")).split()))[:MAX_NAME_WORDS]


def _read_through_word_index(words: list[str]) -> bool:
    # One word: its LIKE alone is estimated well (statistics of 0004), and the planner, which
    # multiplies the two estimates of the same condition, would take a common name for a rare one
    # and sort thousands instead of walking the newest first. Its trigram scan serves rare ones.
    return sum(1 for word in words if _indexable_pieces(word)) >= 2


def _words_prefilter(words: list[str]) -> Q:
    return search_words_condition(words) if _read_through_word_index(words) else Q()


def name_filter(text: str) -> Q:
    """Every word of `text` starts one of the patient's names (accent- and case-insensitive).

    On PostgreSQL two or more words are looked up in the word index (`_words_prefilter`, a superset,
    one index scan that intersects the words), and the LIKEs below only recheck what it found: given
    the choice, the planner read each word's trigrams separately (two short words, 60,000 entries each,
    twice as long; bench/findings.md). The LIKEs stay the condition, so results are the same.
    """
    words = _name_words(text)
    prefilter = _words_prefilter(words)
    column = OnlyRechecked(F("search_name")) if prefilter else F("search_name")
    name = Q()
    for word in words:
        name &= Q(StartsWith(column, word)) | Q(Contains(column, " " + word))
    return name & prefilter


def page_reading(query: str) -> str:
    """How a search page for `query` is best read (patients.pagination.PageReading):
    - a date of birth, or a name of two or more words, is found through one index and sorted, every
      match read anyway: its ids come with their count;
    - one name word may walk the organization newest first: its ids alone, through the covering
      index `patient_org_created_covering` (name and status included, no table row read);
    - anything else is an index lookup of a few rows: read the rows at once."""
    text = (query or "").replace("\x00", "").strip()
    readings = read_date_query(text)
    if readings is not None and readings.only_a_date:
        return PageReading.IDS_COUNTED
    if "@" in text or not any(c.isalpha() for c in text):
        return PageReading.ROWS
    return PageReading.IDS_COUNTED if _read_through_word_index(_name_words(text)) else PageReading.IDS


def _patient_number(text: str) -> int | None:
    compact = re.sub(r"[\s\-]", "", text or "")
    if compact.isdecimal() and len(compact) <= 9:  # isdecimal: int() cannot read '²', a digit
        return int(compact)
    return None


def shown_by_default(query: str = "") -> Q:
    """Searches leave out archived and merged records unless a status filter asks for them; a merged
    record's patient number still finds it (it is shown as merged, pointing to its survivor)."""
    condition = ~Q(status__in=HIDDEN_BY_DEFAULT)
    number = _patient_number((query or "").strip())
    if number is not None:
        condition |= Q(status=Patient.Status.MERGED, patient_number=number)
    return condition


def date_readings(query: str) -> DateReadings | None:
    """The dates of birth a search for `query` looks for: pages and answers say which, above all
    when day and month could swap (`03/04/1984` searches 3 April and March 4)."""
    return read_date_query((query or "").replace("\x00", ""))


def search_patients(organization, query: str = "", *, status: str | None = None):
    """The organization's patients matching `query`, newest first; archived and merged records only
    with that `status` (see shown_by_default)."""
    patients = Patient.objects.for_organization(organization)
    if status:
        patients = patients.filter(status=status)
    else:
        patients = patients.filter(shown_by_default(query))
    if query and query.strip():
        patients = patients.filter(patient_search_filter(organization, query))
    return patients.order_by("-created_at")


@dataclass
class LinkSummary:
    """What a patient's API answer shows of its links: provider and group ids (by name, as
    `providers.all()` lists them) and each verified channel's status."""

    provider_ids: list[str] = field(default_factory=list)
    provider_names: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)
    verification_statuses: dict[str, str] = field(default_factory=dict)


def summary_of_registration(patient) -> LinkSummary:
    """The links and verification statuses `register_patient` just wrote for `patient` (its links,
    remembered; the statuses its caller stated, every other channel unverified), for the answer to
    that registration: no read. Attach it just before answering; it is not kept up to date."""
    providers = list(patient.providers.all())
    return LinkSummary(
        provider_ids=[str(p.pk) for p in providers],
        provider_names=[p.name for p in providers],
        group_ids=[str(g.pk) for g in patient.groups.all()],
        verification_statuses=dict(patient.stated_at_registration),
    )


def load_link_summaries(patients, using: str, *, also: tuple[str, list] | None = None) -> list:
    """Give each patient of a page its `link_summary`, read in one statement where three prefetches
    (providers, groups, verifications, each compiled by the ORM) cost a quarter of a search's CPU.

    `also`: (SELECT, params) of more rows of the same four columns (a kind other than p, g, v; the
    patient's id; two texts), read in the same statement and returned (the FHIR door's versions and
    merged records: one statement less on every page)."""
    patients = list(patients)
    if not patients:
        return []
    connection = connections[using]
    qn = connection.ops.quote_name
    pk = Patient._meta.pk
    ids = [pk.get_db_prep_value(p.pk, connection) for p in patients]
    marks = ", ".join(["%s"] * len(ids))

    def linked(kind, manager, target):
        through = manager.through._meta
        column = qn(manager.field.m2m_reverse_name())
        table = qn(target._meta.db_table)
        key = qn(target._meta.pk.column)
        return (f"SELECT '{kind}', l.{qn(manager.field.m2m_column_name())}, CAST(t.{key} AS VARCHAR(40)), "
                f"t.{qn('name')} FROM {qn(through.db_table)} l JOIN {table} t ON t.{key} = l.{column} "
                f"WHERE l.{qn(manager.field.m2m_column_name())} IN ({marks})")

    verifications = qn(Verification._meta.db_table)
    sql = (f"{linked('p', Patient.providers, Patient.providers.field.related_model)} UNION ALL "
           f"{linked('g', Patient.groups, Patient.groups.field.related_model)} UNION ALL "
           f"SELECT 'v', {qn('patient_id')}, {qn('channel')}, {qn('status')} FROM {verifications} "
           f"WHERE {qn('patient_id')} IN ({marks})")
    more_sql, more_params = also or ("", [])
    by_id, others = {}, []
    for patient in patients:
        patient.link_summary = by_id[patient.pk] = LinkSummary()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql}{' UNION ALL ' + more_sql if more_sql else ''} ORDER BY 1, 4", [*ids * 3, *more_params])
        for kind, patient_id, value, label in cursor.fetchall():
            summary = by_id[pk.to_python(patient_id)]
            if kind == "p":
                summary.provider_ids.append(str(pk.to_python(value)))
                summary.provider_names.append(label)
            elif kind == "g":
                summary.group_ids.append(str(pk.to_python(value)))
            elif kind == "v":
                summary.verification_statuses[value] = label
            else:
                others.append((kind, patient_id, value, label))
    return others
