"""Search parameters: parsed into one condition on the organization's patients, and into a
normalized form (the same search written differently reads the same) for conditional create.

Repeating a parameter ANDs, a comma inside one value ORs, as the spec says. Unknown parameters
are ignored (and left out of the `self` link) unless the client sends `Prefer: handling=strict`;
an unsupported modifier or prefix, or a malformed value, is always a 400.
"""

import calendar
import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q, Subquery
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from patients import validation as v
from patients.fhir.identifiers import HEALTH_CARD_SYSTEMS, organization_system
from patients.fhir.outcome import FhirError
from patients.health_cards import normalize_health_card_number
from patients.models import HealthCard, Patient
from patients.names import fold
from patients.pagination import PageReading
from patients.selectors import HIDDEN_BY_DEFAULT, IsAnyOf, name_filter, page_reading

# name -> (type, what it matches): the CapabilityStatement lists these.
PARAMETERS = {
    "_id": ("token", "The logical id."),
    "identifier": ("token", "system|value: the patient number (MR), a health card (JHN, each province's "
                            "Infoway NamingSystem) or the EMR id; a value alone matches any of them."),
    "name": ("string", "Every word starts one of the patient's names (given, family, preferred, full); "
                       "accents and case ignored. :exact and :contains supported."),
    "family": ("string", "Starts the family name (or a part of a compound one); accents and case ignored."),
    "given": ("string", "Starts a given name; case ignored."),
    "birthdate": ("date", "eq, ne, lt, gt, le, ge, sa, eb prefixes; YYYY, YYYY-MM or YYYY-MM-DD."),
    "gender": ("token", "male | female | other | unknown."),
    "phone": ("token", "A phone number in any format (read in the organization's region)."),
    "email": ("token", "An email address, case ignored."),
    "telecom": ("token", "A phone number or an email address (phone|..., email|... accepted)."),
    "active": ("token", "true: active patients; false: leads, archived and merged records. Without active, "
                        "_id or identifier, archived and merged records are left out."),
}
DEFINITIONS = {name: f"http://hl7.org/fhir/SearchParameter/{'Resource-id' if name == '_id' else 'Patient-' + name}"
               for name in PARAMETERS}
DEFINITIONS.update(phone="http://hl7.org/fhir/SearchParameter/individual-phone",
                   email="http://hl7.org/fhir/SearchParameter/individual-email",
                   telecom="http://hl7.org/fhir/SearchParameter/individual-telecom",
                   family="http://hl7.org/fhir/SearchParameter/individual-family",
                   given="http://hl7.org/fhir/SearchParameter/individual-given",
                   birthdate="http://hl7.org/fhir/SearchParameter/individual-birthdate",
                   gender="http://hl7.org/fhir/SearchParameter/individual-gender")
RESULT_PARAMETERS = {"_count", "_offset", "_total", "_format"}
# As on every door, archived and merged records are left out of a search unless it asks for them by id,
# identifier or `active`; they are read as active=false, a merged one with a replaced-by link.
SHOW_HIDDEN = {"_id", "identifier", "active"}
DEFAULT_COUNT, MAX_COUNT = 20, 100
NOTHING = Q(pk__in=[])
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_PREFIX = re.compile(r"^(eq|ne|lt|gt|le|ge|sa|eb|ap)")
GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender"


@dataclass
class Search:
    condition: Q = field(default_factory=Q)
    normalized: list = field(default_factory=list)  # [(name, canonical value)], sorted
    used: list = field(default_factory=list)  # [(name, value)] as sent, for the self link
    count: int = DEFAULT_COUNT
    offset: int = 0
    total: str = "estimate"  # none | estimate | accurate

    @property
    def is_empty(self) -> bool:
        return not self.normalized

    @property
    def page_reading(self) -> str:
        """How its page is best read (selectors.page_reading, as the v1 API's search reads the same
        question typed in its box): ids with their count when a name of two or more words or a day of
        birth is asked (found through one index, every match read anyway); ids first when only
        one-word names are, which the organization's covering index answers newest first; else the
        rows at once."""
        asked = [(key, [_as_typed(key, text) for text in _values(value)]) for key, value in self.used
                 if key in ("name", "birthdate")]
        readings = [[page_reading(text) for text in texts] for _, texts in asked]
        if any(all(r == PageReading.IDS_COUNTED for r in found) for found in readings):
            return PageReading.IDS_COUNTED
        only_names = all(key == "name" for key, _ in self.used if key.partition(":")[0] in PARAMETERS)
        if readings and only_names and all(r == PageReading.IDS for found in readings for r in found):
            return PageReading.IDS
        return PageReading.ROWS


def _as_typed(key: str, value: str) -> str:
    """A name as typed in the v1 search box; a birthdate only when it is one day (eq), else nothing."""
    if key == "name":
        return value
    day = value.removeprefix("eq")
    return day if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else ""


def bad(message: str) -> FhirError:
    return FhirError(400, message, code="invalid")


def parse_search(pairs, organization, *, strict: bool = False) -> Search:
    """`pairs`: [(name, value)] from the query string (or a _search form body)."""
    search = Search()
    for key, value in pairs:
        name, _, modifier = key.partition(":")
        if name in RESULT_PARAMETERS:
            _result_parameter(search, name, value)
            continue
        if name not in PARAMETERS:
            if strict:
                raise bad(f"Unknown search parameter {key!r} (Prefer: handling=strict).")
            continue
        handler = HANDLERS[name]
        condition, canonical = handler(organization, modifier, value)
        search.condition &= condition
        search.normalized.append((key, canonical))
        search.used.append((key, value))
    search.normalized.sort()
    if not {name.partition(":")[0] for name, _ in search.used} & SHOW_HIDDEN:
        search.condition &= ~Q(status__in=HIDDEN_BY_DEFAULT)
    return search


def _result_parameter(search, name, value):
    if name == "_format":
        return
    if name == "_total":
        if value not in ("none", "estimate", "accurate"):
            raise bad("_total is none, estimate or accurate.")
        search.total = value
        search.used.append((name, value))
        return
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise bad(f"{name} must be a whole number of at least 0.")
    number = int(value)
    if name == "_count":
        search.count = min(number, MAX_COUNT)
    else:
        search.offset = number


def _no_modifier(name, modifier, allowed=()):
    if modifier and modifier not in allowed:
        raise bad(f"The :{modifier} modifier is not supported on {name}.")


def _values(value) -> list[str]:
    """A comma ORs; `\\,` is a literal comma."""
    parts = re.split(r"(?<!\\),", value)
    return [p.replace("\\,", ",").replace("\x00", "").strip() for p in parts]


def _any_of(values, one) -> tuple[Q, str]:
    condition, canonical = NOTHING, []
    for value in values:
        q, text = one(value)
        condition |= q
        canonical.append(text)
    return condition, ",".join(sorted(canonical))


def _id(organization, modifier, value):
    _no_modifier("_id", modifier)

    def one(text):
        try:
            pk = uuid.UUID(text)
        except ValueError:
            return NOTHING, text
        return Q(pk=pk), str(pk)
    return _any_of(_values(value), one)


def _identifier(organization, modifier, value):
    _no_modifier("identifier", modifier)
    number_system = organization_system(organization, "patient-number")
    emr_system = organization_system(organization, "emr-id")

    def number(text):
        return Q(patient_number=int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else NOTHING

    def emr(text):
        return Q(emr_id=int(text)) if text.isascii() and text.isdigit() and len(text) <= 18 else NOTHING

    def card(text, province=None):
        cards = HealthCard.objects.for_organization(organization).filter(number=normalize_health_card_number(text))
        if province:
            cards = cards.filter(province=province)
        return Q(IsAnyOf(F("pk"), Subquery(cards.values("patient_id"))))

    def one(text):
        if "|" not in text:
            return number(text) | emr(text) | card(text), f"|{normalize_health_card_number(text)}"
        system, _, code = text.partition("|")
        if system == number_system:
            return (number(code) if code else Q(patient_number__isnull=False)), f"{system}|{code}"
        if system == emr_system:
            return (emr(code) if code else Q(emr_id__isnull=False)), f"{system}|{code}"
        if system in HEALTH_CARD_SYSTEMS:
            province = HEALTH_CARD_SYSTEMS[system]
            if not code:
                return Q(health_card__province=province), f"{system}|"
            return card(code, province), f"{system}|{normalize_health_card_number(code)}"
        return NOTHING, text
    return _any_of(_values(value), one)


def _name(organization, modifier, value):
    _no_modifier("name", modifier, ("exact", "contains"))

    def one(text):
        if modifier == "exact":
            return (Q(given_name=text) | Q(family_name=text) | Q(preferred_name=text) | Q(full_name=text)
                    if text else NOTHING), f"exact:{text}"
        folded = fold(text)
        if not folded:
            return NOTHING, ""
        if modifier == "contains":
            return Q(search_name__contains=folded), f"contains:{folded}"
        return name_filter(folded), folded
    return _any_of(_values(value), one)


def _family(organization, modifier, value):
    _no_modifier("family", modifier, ("exact",))

    def one(text):
        if modifier == "exact":
            return (Q(family_name=text) if text else NOTHING), f"exact:{text}"
        key = fold(text)
        if not key:
            return NOTHING, ""
        condition = (Q(family_name_key__startswith=key) | Q(family_name_key__contains=" " + key)
                     | Q(family_name_key__contains="-" + key))
        return condition, key
    return _any_of(_values(value), one)


def _given(organization, modifier, value):
    _no_modifier("given", modifier, ("exact",))

    def one(text):
        if modifier == "exact":
            return (Q(given_name=text) if text else NOTHING), f"exact:{text}"
        if not text:
            return NOTHING, ""
        return Q(given_name__istartswith=text) | Q(given_name__icontains=" " + text), fold(text)
    return _any_of(_values(value), one)


def _date_range(text) -> tuple[date, date]:
    """The first and last day a (partial) date stands for."""
    match = _DATE.fullmatch(text.split("T")[0])
    if not match:
        raise bad(f"Dates are YYYY, YYYY-MM or YYYY-MM-DD: {text!r}.")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, day), date(year, month, day)
    except ValueError as exc:
        raise bad(f"{text!r} is not a real date.") from exc


def _birthdate(organization, modifier, value):
    _no_modifier("birthdate", modifier)

    def one(text):
        prefix_match = _PREFIX.match(text)
        prefix = prefix_match.group(1) if prefix_match else "eq"
        if prefix == "ap":
            raise bad("The ap prefix is not supported on birthdate.")
        first, last = _date_range(text[len(prefix):] if prefix_match else text)
        condition = {
            "eq": Q(date_of_birth__gte=first, date_of_birth__lte=last),
            "ne": Q(date_of_birth__lt=first) | Q(date_of_birth__gt=last),
            "lt": Q(date_of_birth__lt=first), "eb": Q(date_of_birth__lt=first),
            "gt": Q(date_of_birth__gt=last), "sa": Q(date_of_birth__gt=last),
            "le": Q(date_of_birth__lte=last), "ge": Q(date_of_birth__gte=first),
        }[prefix]
        if first == last and prefix == "eq":
            condition = Q(date_of_birth=first)  # the index's equality
        return condition, f"{prefix}{first.isoformat()}/{last.isoformat()}"
    return _any_of(_values(value), one)


def _gender(organization, modifier, value):
    _no_modifier("gender", modifier)

    def one(text):
        system, _, code = text.rpartition("|")
        if system not in ("", GENDER_SYSTEM) or code not in Patient.Gender.values:
            return NOTHING, text
        return Q(gender=code), code
    return _any_of(_values(value), one)


def _phone_condition(organization, text):
    try:
        phone = v.clean_phone(text, organization.default_phone_region)
    except (v.FieldError, ValueError):
        return NOTHING, text
    return (Q(phone=phone), phone) if phone else (NOTHING, "")


def _email_condition(text):
    email = text.strip().lower()
    if not email:
        return NOTHING, ""
    return Q(Exact(Lower("email"), email)) & ~Q(email=""), email


def _phone(organization, modifier, value):
    _no_modifier("phone", modifier)
    return _any_of(_values(value), lambda text: _phone_condition(organization, text.rpartition("|")[2]))


def _email(organization, modifier, value):
    _no_modifier("email", modifier)
    return _any_of(_values(value), lambda text: _email_condition(text.rpartition("|")[2]))


def _telecom(organization, modifier, value):
    _no_modifier("telecom", modifier)

    def one(text):
        system, _, code = text.rpartition("|")
        if system in ("phone", "sms"):
            return _phone_condition(organization, code)
        if system == "email":
            return _email_condition(code)
        if system:
            return NOTHING, text
        if "@" in code:
            return _email_condition(code)
        return _phone_condition(organization, code)
    return _any_of(_values(value), one)


def _active(organization, modifier, value):
    _no_modifier("active", modifier)

    def one(text):
        if text == "true":
            return Q(status=Patient.Status.ACTIVE), "true"
        if text == "false":
            return ~Q(status=Patient.Status.ACTIVE), "false"
        raise bad("active is true or false.")
    return _any_of(_values(value), one)


HANDLERS = {
    "_id": _id, "identifier": _identifier, "name": _name, "family": _family, "given": _given,
    "birthdate": _birthdate, "gender": _gender, "phone": _phone, "email": _email, "telecom": _telecom,
    "active": _active,
}
