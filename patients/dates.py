"""Dates of birth typed by people: the one reader of a date in a search box, and the parts of the
day / month / year inputs.

`read_date_query` tells what dates a search text means: ISO (`1984-03-15`), a month by name in
English or French (`15 Mar 1984`, `15 mars 1984`, `March 15, 1984`) or digits only (`15031984`,
`15/03/1984`). Day and month in digits can swap: `03/04/1984` is 3 April or March 4, so both are
searched and the caller says so. Which birth dates are acceptable is `validation.clean_date_of_birth`'s
rule; this module only reads.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from patients.names import fold

# Month names and abbreviations, English and French, folded (lower case, no accents, no dot).
MONTH_WORDS = {
    1: ("january", "jan", "janvier", "janv"),
    2: ("february", "feb", "fevrier", "fev", "fevr"),
    3: ("march", "mar", "mars"),
    4: ("april", "apr", "avril", "avr"),
    5: ("may", "mai"),
    6: ("june", "jun", "juin"),
    7: ("july", "jul", "juillet", "juil"),
    8: ("august", "aug", "aout"),
    9: ("september", "sep", "sept", "septembre"),
    10: ("october", "oct", "octobre"),
    11: ("november", "nov", "novembre"),
    12: ("december", "dec", "decembre"),
}
MONTHS = {word: number for number, words in MONTH_WORDS.items() for word in words}

# One unambiguous way to show a date per language: the month by name, never a number that can swap.
SHORT_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
}

_YEAR_FIRST = re.compile(r"(\d{4})[/.\-\s](\d{1,2})[/.\-\s](\d{1,2})")  # 1984-03-15 (ISO), 1984/03/15
_YEAR_LAST = re.compile(r"(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{4})")  # 15/03/1984, 03/15/1984, 15.03.1984
_EIGHT_DIGITS = re.compile(r"\d{8}")
_WORDS = re.compile(r"[a-z]+|\d+")


def format_date(value: date | None, language: str | None = None) -> str:
    """`15 Mar 1984` in English, `15 mars 1984` in French (the active language unless given); "" for None."""
    if value is None:
        return ""
    language = (language or get_language() or "en")[:2]
    months = SHORT_MONTHS.get(language, SHORT_MONTHS["en"])
    return f"{value.day} {months[value.month - 1]} {value.year}"


@dataclass(frozen=True)
class DateReadings:
    """What a search text means as a date: every reading (a day and month that can swap give two).
    `only_a_date`: written so that it can be nothing else (eight bare digits may also be a number)."""

    text: str
    dates: tuple[date, ...]
    only_a_date: bool = True

    @property
    def ambiguous(self) -> bool:
        return len(self.dates) > 1


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date_query(text: str) -> DateReadings | None:
    """The real dates `text` can mean, or None when it is not a date (also `1984-02-30`)."""
    text = (text or "").strip()
    only_a_date = True
    if match := _YEAR_FIRST.fullmatch(text):
        year, month, day = map(int, match.groups())
        candidates = [(year, month, day)]
    elif match := _YEAR_LAST.fullmatch(text):
        first, second, year = map(int, match.groups())
        candidates = [(year, second, first), (year, first, second)]  # day first (Canada, Europe), then month first
    elif _EIGHT_DIGITS.fullmatch(text):
        first, second, year = int(text[:2]), int(text[2:4]), int(text[4:])
        candidates = [(year, second, first), (year, first, second), (int(text[:4]), int(text[4:6]), int(text[6:]))]
        only_a_date = False
    else:
        candidates = _month_name_candidates(text)
    dates = tuple(dict.fromkeys(d for d in (_real(*c) for c in candidates) if d is not None))
    return DateReadings(text, dates, only_a_date) if dates else None


def _month_name_candidates(text: str) -> list[tuple[int, int, int]]:
    """`15 Mar 1984`, `15 mars 1984`, `March 15, 1984`, `1er mars 1984`, `15-Mar-1984`."""
    tokens = _WORDS.findall(fold(text).replace("1er", "1"))
    words = [t for t in tokens if not t.isdigit()]
    numbers = [t for t in tokens if t.isdigit()]
    if len(words) != 1 or words[0] not in MONTHS or len(numbers) != 2:
        return []
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) != 1 or len(days) != 1:
        return []
    return [(int(years[0]), MONTHS[words[0]], int(days[0]))]


class DateParts:
    """The parts of a day / month / year entry as typed, and why they make no date."""

    def __init__(self, day, month, year):
        self.day, self.month, self.year = (str(p if p is not None else "").strip() for p in (day, month, year))

    @property
    def empty(self) -> bool:
        return not (self.day or self.month or self.year)

    def problem(self) -> str | None:
        """What is wrong with the parts, in the words of the date input pattern, or None."""
        day, month, year = self.day, self.month, self.year
        if not (day and month and year):
            return _("The date must include a day, a month and a year.")
        if not (day.isdecimal() and month.isdecimal() and year.isdecimal()):
            return _("Enter the day, month and year as numbers.")
        if not 1 <= int(month) <= 12:
            return _("The month must be between 1 and 12.")
        if not 1 <= int(day) <= 31:
            return _("The day must be between 1 and 31.")
        if len(year) != 4:
            return _("Enter the year as 4 digits, for example 1984.")
        if _real(int(year), int(month), int(day)) is None:
            return _("There is no day %(day)s in that month.") % {"day": int(day)}
        return None

    def as_date(self) -> date:
        return date(int(self.year), int(self.month), int(self.day))
