"""Canadian provincial health card numbers: normalize and check them (rules: docs health-cards.md)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import NamedTuple

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from patients.errors import PatientRuleError
from patients.names import fold
from patients.validation import parse_date


def _luhn_ok(number: str) -> bool:
    # Luhn over all ten digits: the total must be a multiple of 10, so a check digit of 0 is fine.
    total = 0
    for i, char in enumerate(reversed(number)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _bc_phn_ok(number: str) -> bool:
    weights = (2, 4, 8, 5, 10, 9, 7, 3)
    total = sum(int(d) * w % 11 for d, w in zip(number[1:9], weights, strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(number[9])


class Rule(NamedTuple):
    name: str
    pattern: str  # full match on the normalized number
    shape: str  # the expected format, in words, for error messages
    # "an Ontario" (in French "de l'Ontario"), for "This does not look like an Ontario health card number".
    a_name: str = ""
    check: Callable[[str], bool] | None = None  # check digit, where the algorithm is public
    valid_name: str = ""  # "Ontario" in "not a valid Ontario health card number", where there is a check digit


# The one place to correct a province's format. Only ON and BC publish a check digit.
RULES: dict[str, Rule] = {
    "AB": Rule("Alberta", r"\d{9}", _("9 digits"), pgettext_lazy("a health card number of", "an Alberta")),
    "BC": Rule(
        "British Columbia", r"9\d{9}", _("10 digits starting with 9"),
        pgettext_lazy("a health card number of", "a British Columbia"), _bc_phn_ok,
        pgettext_lazy("a valid health card number of", "British Columbia"),
    ),
    "MB": Rule("Manitoba", r"\d{9}", _("9 digits"), pgettext_lazy("a health card number of", "a Manitoba")),
    "NB": Rule("New Brunswick", r"\d{9}", _("9 digits"), pgettext_lazy("a health card number of", "a New Brunswick")),
    "NL": Rule(
        "Newfoundland and Labrador", r"\d{12}", _("12 digits"),
        pgettext_lazy("a health card number of", "a Newfoundland and Labrador"),
    ),
    "NS": Rule("Nova Scotia", r"\d{10}", _("10 digits"), pgettext_lazy("a health card number of", "a Nova Scotia")),
    "NT": Rule(
        "Northwest Territories", r"[A-Z]\d{7}", _("1 letter then 7 digits"),
        pgettext_lazy("a health card number of", "a Northwest Territories"),
    ),
    "NU": Rule(
        "Nunavut", r"1\d{8}", _("9 digits starting with 1"), pgettext_lazy("a health card number of", "a Nunavut"),
    ),
    "ON": Rule(
        "Ontario", r"\d{10}", _("10 digits"), pgettext_lazy("a health card number of", "an Ontario"), _luhn_ok,
        pgettext_lazy("a valid health card number of", "Ontario"),
    ),
    "PE": Rule(
        "Prince Edward Island", r"\d{8}", _("8 digits"),
        pgettext_lazy("a health card number of", "a Prince Edward Island"),
    ),
    "QC": Rule(
        "Quebec", r"[A-Z]{4}\d{8}", _("4 letters then 8 digits"), pgettext_lazy("a health card number of", "a Quebec"),
    ),
    "SK": Rule("Saskatchewan", r"\d{9}", _("9 digits"), pgettext_lazy("a health card number of", "a Saskatchewan")),
    "YT": Rule("Yukon", r"\d{9}", _("9 digits"), pgettext_lazy("a health card number of", "a Yukon")),
}

PROVINCES: dict[str, str] = {code: rule.name for code, rule in RULES.items()}
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2014]")
_ONTARIO_WITH_VERSION = re.compile(r"(\d{10})([A-Z]{1,2})", re.ASCII)
_VERSION_CODE = re.compile(r"[A-Z]{0,2}")


@dataclass
class CheckedHealthCard:
    number: str
    version_code: str
    province: str
    expiry_date: date | None
    warnings: list[str] = field(default_factory=list)


@cache
def _number_pattern(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.ASCII)  # ASCII: '٠' is a \d too


def normalize_health_card_number(raw: str) -> str:
    """'1234-567-890 ab' -> '1234567890AB': drop spaces and dashes, upper-case."""
    return _SEPARATORS.sub("", str(raw or "")).upper()


def _a(name: str) -> str:
    return ("an " if name[0] in "AEIOU" else "a ") + name


def _letters(name: str) -> str:
    return "".join(c for c in fold(name) if c.isalpha()).upper()


def _quebec_warnings(number: str, given_name="", family_name="", date_of_birth=None, gender="") -> list[str]:
    """Where a well-formed RAMQ number disagrees with the patient's name, birth date or sex.

    Each part is compared only when the patient's matching field is given.
    """
    warnings = []
    family = _letters(family_name)[:3]
    if family and not number.startswith(family):
        warnings.append(gettext(
            "The first letters of the Quebec health card number (%(found)s) do not match the family name "
            "(expected %(expected)s)."
        ) % {"found": number[:3], "expected": family})
    given = _letters(given_name)[:1]
    if given and number[3] != given:
        warnings.append(gettext(
            "The fourth letter of the Quebec health card number (%(found)s) does not match the given name "
            "(expected %(expected)s)."
        ) % {"found": number[3], "expected": given})
    try:
        born = parse_date(date_of_birth)
    except ValueError:
        born = None
    if born:
        sex = (gender or "").strip().lower()
        # A female's month has 50 added; when the sex is unknown either form is plausible.
        months = [born.month, born.month + 50]
        if sex in ("male", "m"):
            months = [born.month]
        elif sex in ("female", "f"):
            months = [born.month + 50]
        expected = [f"{born.year % 100:02d}{m:02d}{born.day:02d}" for m in months]
        if number[4:10] not in expected:
            warnings.append(gettext(
                "The birth date in the Quebec health card number (%(found)s) does not match the patient's date "
                "of birth and sex (expected %(expected)s)."
            ) % {"found": number[4:10], "expected": gettext(" or ").join(expected)})
    return warnings


def check_health_card(number, province, version_code="", expiry_date=None, *,
                      given_name="", family_name="", date_of_birth=None, gender="") -> CheckedHealthCard:
    """Validate and normalize a health card; raise PatientRuleError keyed by sub-field.

    Keys: "number", "version_code", "province", "expiry_date". An expired card is not an error.
    Quebec mismatches with the patient's details come back as warnings, not errors.
    """
    errors: dict[str, list[str]] = {}
    number = normalize_health_card_number(number)
    province = (province or "").strip().upper()
    version_code = (version_code or "").strip().upper()
    rule = RULES.get(province)

    # An Ontario version code is often typed after the number: "9287170261 DK".
    split = _ONTARIO_WITH_VERSION.fullmatch(number)
    if province == "ON" and split and not version_code:
        number, version_code = split.groups()

    if rule is None:
        errors["province"] = [gettext("Choose a Canadian province or territory.")]
    if not number:
        errors["number"] = [gettext("Enter the health card number.")]
    elif rule and not _number_pattern(rule.pattern).fullmatch(number):
        errors["number"] = [gettext("This does not look like %(a_province)s health card number (expected %(shape)s).")
                            % {"a_province": rule.a_name or _a(rule.name), "shape": rule.shape}]
    elif rule and rule.check and not rule.check(number):
        errors["number"] = [gettext("This is not a valid %(province)s health card number (the check digit is wrong).")
                            % {"province": rule.valid_name or rule.name}]

    if province == "BC" and version_code:
        errors["version_code"] = [gettext("British Columbia health cards have no version code.")]
    elif not _VERSION_CODE.fullmatch(version_code):
        errors["version_code"] = [gettext("A version code is at most 2 letters (A to Z).")]

    try:
        expiry = parse_date(expiry_date)
    except ValueError:
        errors["expiry_date"] = [gettext("Enter the expiry date as YYYY-MM-DD.")]

    if errors:
        raise PatientRuleError(errors)
    warnings = []
    if province == "QC":
        warnings = _quebec_warnings(number, given_name, family_name, date_of_birth, gender)
    return CheckedHealthCard(number, version_code, province, expiry, warnings)
