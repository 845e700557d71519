"""Field rules for a patient, shared by every way in (API, leads API, intake form, admin, import).

Each `clean_*` takes what a caller sent and returns the stored form, or raises `FieldError`
with a message meant for the person who typed it.
"""

import re
from datetime import date, datetime, timedelta

import phonenumbers
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from localflavor.ca.ca_provinces import PROVINCE_CHOICES as CA_PROVINCES
from localflavor.us.us_states import STATE_CHOICES as US_STATES

from patients.dates import DateParts
from patients.models import Patient, Verification

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
UNKNOWN_BIRTH_DATE = "1111-01-01"  # the "Register Patient" contract's placeholder for unknown
PROVINCE_CODES = {code for code, _ in CA_PROVINCES} | {code for code, _ in US_STATES}
GENDERS = {g.value for g in Patient.Gender}
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
_PHONE_ALLOWED = re.compile(r"^\+?[\d\s().\-]+$")
_PHONE_LETTERS = re.compile(r"[A-Za-z]")
# "+1" and a ten-digit North American number whose area code starts with 2-9, as exported: what
# phonenumbers.parse makes of it is known without parsing (no national prefix to strip, no leading zero).
_NANP_E164 = re.compile(r"\+1[2-9]\d{9}", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ONE_DAY = timedelta(days=1)
DATE_OF_BIRTH = gettext_lazy("date of birth")  # lazy: translated only when a message needs it


class _EmailValidator(EmailValidator):
    """Django's email validator, with its patterns compiled up front: reaching them through the lazy
    wrappers costs more than matching them."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags)


validate_email = _EmailValidator()


class FieldError(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Text PostgreSQL cannot store: NUL, and the lone UTF-16 surrogates JSON's "\ud800" escapes produce
# (no valid UTF-8 encodes them). The one rule for every door; see `unstorable_text`.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT_MESSAGE = gettext_lazy(
    "Remove the invalid character (NUL or a lone UTF-16 surrogate): it cannot be stored."
)


def has_unstorable_text(value) -> bool:
    """Whether `value` (text, or JSON-like lists and objects, keys included) holds text no database
    column can store."""
    return bool(unstorable_text(value))


def unstorable_text(value, path: str = "") -> list[str]:
    """The dotted paths in `value` where unstorable text sits ("" for `value` itself); a key that is
    itself unstorable is named with its characters escaped, so the path can be shown and stored."""
    if isinstance(value, str):
        return [path] if _UNSTORABLE.search(value) else []
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = printable_key(key)
            where = f"{path}.{name}" if path else name
            if isinstance(key, str) and _UNSTORABLE.search(key):
                found.append(where)
            else:
                found.extend(unstorable_text(item, where))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(unstorable_text(item, f"{path}.{index}" if path else str(index)))
    return found


def printable_key(key) -> str:
    """A key as it can be shown back: unstorable characters written as JSON escapes (\\u0000)."""
    text = str(key)
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _UNSTORABLE.search(text) else text


def validate_storable_text(value):
    """A Django/DRF validator (forms, serializers): ValidationError on unstorable text."""
    if has_unstorable_text(value):
        raise ValidationError(UNSTORABLE_TEXT_MESSAGE, code="unstorable")


def clean_phone(raw, region: str) -> str:
    """A phone number as typed (any spacing, dashes, brackets; a leading + for another country)
    to E.164, read in the organization's region. Letters are refused."""
    text = str(raw or "").strip()
    if not text:
        return ""
    if _PHONE_LETTERS.search(text) or not _PHONE_ALLOWED.match(text):
        raise FieldError(_("Enter digits only; letters and other symbols are not allowed in a phone number."))
    if _NANP_E164.fullmatch(text):
        number = phonenumbers.PhoneNumber(country_code=1, national_number=int(text[2:]))
    else:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as exc:
            raise FieldError(_("Enter a valid phone number.")) from exc
    # The region's own check first: the same answer for its numbers, without trying every region that
    # shares the calling code (25 of them for +1); it keeps the CSV import fast.
    if not (phonenumbers.is_valid_number_for_region(number, region) or phonenumbers.is_valid_number(number)):
        raise FieldError(
            _("Enter a valid phone number (numbers without a country code are read as %(region)s).")
            % {"region": region}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def calling_code_problem(calling_code) -> str | None:
    """Why '+97x' is not a country calling code, or None (also for an empty one)."""
    code = str(calling_code or "").strip()
    if not code:
        return None
    digits = code[1:] if code.startswith("+") else code
    # isdecimal, not isdigit: '²' is a digit that int() cannot read.
    if not digits.isdecimal() or len(digits) > 4:
        return _("Enter a calling code such as +1 or +971.")
    # '+1684' (a code written with its area code) is not a country code but still makes a valid number.
    if phonenumbers.region_code_for_country_code(int(digits)) == "ZZ" and len(digits) <= 3:
        return _("+%(digits)s is not a country calling code.") % {"digits": digits}
    return None


def phone_from_parts(calling_code, local_phone, region: str) -> str:
    """'+971' and '561231231' -> '+971561231231'."""
    code = str(calling_code or "").strip()
    local = str(local_phone or "").strip()
    if not local:
        return ""
    if code:
        digits = code.lstrip("+")
        if not digits.isdecimal():
            raise FieldError(_("Enter a calling code such as +1 or +971."))
        return clean_phone(f"+{digits} {local}", region)
    return clean_phone(local, region)


def parse_date(value, label=None) -> date | None:
    """A date, an ISO 'YYYY-MM-DD' text, or None for None and blank text; else FieldError."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if not _ISO_DATE.fullmatch(text):
        raise FieldError(_("Enter the %(label)s as YYYY-MM-DD.") % {"label": _("date") if label is None else label})
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError(_("%(text)s is not a real date.") % {"text": text}) from exc


def clean_date_of_birth(value, *, allow_unknown=False) -> date | None:
    """Not in the future, not before 1900. `1111-01-01` means unknown, only where allowed (leads).
    `value` may also be the day, month and year typed in separate inputs (`DateParts`)."""
    if isinstance(value, DateParts):
        if value.empty:
            return None
        if problem := value.problem():
            raise FieldError(problem)
        value = value.as_date()
    if str(value).strip() == UNKNOWN_BIRTH_DATE:
        if allow_unknown:
            return None
        raise FieldError(
            _("Enter the real date of birth (1111-01-01 stands for unknown and is only allowed for leads).")
        )
    born = parse_date(value, DATE_OF_BIRTH)
    if born is None:
        return None
    # Today's date in any time zone is at most a day before today's UTC date: only a birth date
    # from yesterday (UTC) on needs the current time zone, which is slow to look up.
    if (born >= timezone.now().date() - ONE_DAY or not settings.USE_TZ) and born > timezone.localdate():
        raise FieldError(_("The date of birth cannot be in the future."))
    if born < EARLIEST_BIRTH_DATE:
        raise FieldError(_("The date of birth cannot be before 1900-01-01."))
    return born


def clean_email(value) -> str:
    email = str(value or "").strip()
    if not email:
        return ""
    if len(email) > 254:
        raise FieldError(_("Use at most 254 characters."))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise FieldError(_("Enter a valid email address.")) from exc
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_gender(value) -> str:
    """'Male', 'female', 'F', {'value': 'male'} -> 'male'."""
    if isinstance(value, dict):
        value = value.get("value")
    text = str(value or "").strip().lower()
    text = {"m": "male", "f": "female", "o": "other", "u": "unknown"}.get(text, text)
    if text not in GENDERS:
        raise FieldError(_("Choose one of: male, female, other, unknown."))
    return text


def clean_province(value) -> str:
    code = str(value or "").strip().upper()
    if not code:
        return ""
    if code not in PROVINCE_CODES:
        raise FieldError(_("Enter a two-letter Canadian province/territory or US state code, e.g. ON or NY."))
    return code


def clean_roles(value) -> list[str]:
    if value is None:
        return ["patient"]
    if not isinstance(value, list | tuple) or not all(isinstance(r, str) for r in value):
        raise FieldError(_("Send a list of role names."))
    unknown = [r for r in value if r not in Patient.ROLES]
    if unknown:
        raise FieldError(
            _("Unknown role(s): %(unknown)s. Known roles: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(Patient.ROLES)}
        )
    return list(dict.fromkeys(value)) or ["patient"]


def clean_password(password, *, email="", given_name="", family_name="") -> str:
    """Django's validators (settings.AUTH_PASSWORD_VALIDATORS, min 10 plus complexity). Returns it unchanged."""
    if not password:
        return ""
    if not isinstance(password, str):
        raise FieldError(_("Send the password as text."))
    from django.contrib.auth import get_user_model

    # An unsaved user (never stored): the similarity validator needs a model instance (`_meta`).
    user_like = get_user_model()(username=email, email=email, first_name=given_name, last_name=family_name)
    try:
        password_validation.validate_password(password, user=user_like)
    except ValidationError as exc:
        raise FieldError(" ".join(exc.messages)) from exc
    return password


MAX_STORED_INT = 2**31 - 1  # the largest value a PositiveIntegerField holds on every database


def clean_non_negative_int(value, label, maximum=MAX_STORED_INT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            elif isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            else:
                raise ValueError
        except ValueError as exc:
            raise FieldError(_("Enter a whole number for %(label)s.") % {"label": label}) from exc
    if value < 0:
        raise FieldError(_("%(label)s cannot be negative.") % {"label": capfirst(label)})
    if value > maximum:
        raise FieldError(
            _("%(label)s is too large (at most %(maximum)s).") % {"label": capfirst(label), "maximum": maximum}
        )
    return value


def clean_verification_statuses(value) -> dict[str, str]:
    """{'email': 'verified', 'phone': false} -> {'email': 'verified', 'phone': 'unverified'}."""
    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        raise FieldError(_("Send an object such as {\"email\": \"verified\", \"phone\": \"unverified\"}."))
    channels = {c.value for c in Verification.ChannelName}
    statuses = {s.value for s in Verification.Status}
    cleaned = {}
    for channel, status in value.items():
        if channel not in channels:
            raise FieldError(_("Unknown channel %(channel)r: use email or phone.") % {"channel": channel})
        if isinstance(status, bool):
            status = "verified" if status else "unverified"
        if isinstance(status, dict):
            status = status.get("status")
        if not isinstance(status, str) or status not in statuses:
            raise FieldError(
                _("Unknown status for %(channel)s: use one of %(statuses)s.")
                % {"channel": channel, "statuses": ", ".join(sorted(statuses))}
            )
        cleaned[channel] = status
    return cleaned


def clean_language(value) -> str:
    """'fr', 'fr-CA', 'FR' -> 'fr'; empty -> '' (the clinic's language)."""
    text = str(value or "").strip().lower().replace("_", "-")
    if not text:
        return ""
    code = text.split("-")[0]
    if code not in LANGUAGE_CODES:
        raise FieldError(_("Choose one of: %(codes)s.") % {"codes": ", ".join(sorted(LANGUAGE_CODES))})
    return code
