"""patients.dates: reading a date typed in a search box, the day / month / year parts, and showing a
date of birth one unambiguous way per language."""

from datetime import date

import pytest
from django.utils import translation

from patients.dates import DateParts, format_date, read_date_query


@pytest.mark.parametrize(("text", "dates"), [
    ("1984-03-15", [date(1984, 3, 15)]),
    ("1984/3/15", [date(1984, 3, 15)]),
    ("15 Mar 1984", [date(1984, 3, 15)]),
    ("15 mars 1984", [date(1984, 3, 15)]),
    ("March 15, 1984", [date(1984, 3, 15)]),
    ("1er août 1984", [date(1984, 8, 1)]),
    ("3 FÉVR. 1984", [date(1984, 2, 3)]),
    ("15/03/1984", [date(1984, 3, 15)]),
    ("03/15/1984", [date(1984, 3, 15)]),
    ("15031984", [date(1984, 3, 15)]),
    ("19840315", [date(1984, 3, 15)]),
    ("03/04/1984", [date(1984, 4, 3), date(1984, 3, 4)]),  # day first, then month first
    ("03041984", [date(1984, 4, 3), date(1984, 3, 4)]),
    ("04/04/1984", [date(1984, 4, 4)]),  # the same either way
])
def test_the_dates_a_search_text_means(text, dates):
    readings = read_date_query(text)
    assert list(readings.dates) == dates
    assert readings.ambiguous == (len(dates) > 1)


@pytest.mark.parametrize("text", ["", "Jane", "1984-02-30", "15/03/84", "416 555 0123", "12345678",
                                  "15 Smarch 1984", "Mar 1984"])
def test_what_is_not_a_date(text):
    assert read_date_query(text) is None


def test_eight_digits_may_also_be_a_number():
    assert not read_date_query("15031984").only_a_date
    assert read_date_query("15/03/1984").only_a_date


@pytest.mark.parametrize(("language", "shown"), [("en", "15 Mar 1984"), ("en-us", "15 Mar 1984"),
                                                  ("fr", "15 mars 1984"), ("fr-ca", "15 mars 1984")])
def test_one_format_per_language(language, shown):
    with translation.override(language):
        assert format_date(date(1984, 3, 15)) == shown
    assert format_date(date(1984, 2, 1), "fr") == "1 févr. 1984"
    assert format_date(None) == ""


@pytest.mark.parametrize(("parts", "problem"), [
    (("15", "3", "1984"), None),
    (("15", "13", "1984"), "The month must be between 1 and 12."),
    (("0", "3", "1984"), "The day must be between 1 and 31."),
    (("29", "2", "1983"), "There is no day 29 in that month."),
    (("29", "2", "1984"), None),
    (("15", "3", "984"), "Enter the year as 4 digits, for example 1984."),
    (("", "3", "1984"), "The date must include a day, a month and a year."),
    (("x", "3", "1984"), "Enter the day, month and year as numbers."),
])
def test_the_parts_say_what_is_wrong(parts, problem):
    assert DateParts(*parts).problem() == problem
    if problem is None:
        assert DateParts(*parts).as_date() == date(int(parts[2]), int(parts[1]), int(parts[0]))
