"""Health card rules from docs health-cards.md: every example number there, plus the edge cases."""

from datetime import date, timedelta

import pytest

from patients.errors import PatientRuleError
from patients.health_cards import (
    PROVINCES,
    CheckedHealthCard,
    check_health_card,
    normalize_health_card_number,
)


def errors_of(*args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(PatientRuleError) as caught:
        check_health_card(*args, **kwargs)
    return caught.value.errors


def luhn_total_ok(number: str) -> bool:
    """An independent Luhn (double every second digit from the right), to build test numbers."""
    digits = [int(c) for c in number]
    total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    return total % 10 == 0


def test_provinces_lists_the_13_jurisdictions():
    assert set(PROVINCES) == {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
    assert PROVINCES["ON"] == "Ontario"
    assert PROVINCES["QC"] == "Quebec"


# --- Ontario ---

@pytest.mark.parametrize("number, version", [
    ("9876543217", ""),
    ("9287170261", "DK"),
    ("1262643149", "CT"),
    ("1108809904", "CW"),
    ("1023947722", "J"),
])
def test_ontario_numbers_that_pass(number, version):
    card = check_health_card(number, "ON", version)
    assert card == CheckedHealthCard(number, version, "ON", None, [])


@pytest.mark.parametrize("number", ["9876543210", "1286844022"])
def test_ontario_numbers_that_fail_the_check_digit(number):
    errors = errors_of(number, "ON")
    assert list(errors) == ["number"]
    assert "check digit" in errors["number"][0]


def test_ontario_number_whose_check_digit_is_0_passes():
    # The `10 - sum % 10` pitfall would demand a check digit of 10 here.
    number = next(f"{prefix}0" for prefix in range(123456780, 123457000) if luhn_total_ok(f"{prefix}0"))
    assert number == "1234567830"
    assert check_health_card(number, "ON").number == number
    # Same prefix, any other last digit fails.
    errors_of("1234567831", "ON")


# The last: Arabic-Indic digits are digits to Python's \d (and pass the check digit) but no card has them.
@pytest.mark.parametrize("number", ["987654321", "98765432170", "98765X3217", "9876.543217", "٩٨٧٦٥٤٣٢١٧"])
def test_ontario_number_with_wrong_shape_is_a_format_error(number):
    errors = errors_of(number, "ON")
    assert errors["number"] == ["This does not look like an Ontario health card number (expected 10 digits)."]


@pytest.mark.parametrize("typed, version", [
    ("9287170261 DK", "DK"),
    ("9287170261-dk", "DK"),
    ("9287-170-261dk", "DK"),
    ("1023947722J", "J"),
])
def test_ontario_version_code_typed_inside_the_number_is_split_off(typed, version):
    card = check_health_card(typed, "ON")
    assert (card.number, card.version_code) == (typed.replace(" ", "").replace("-", "")[:10], version)


def test_ontario_trailing_letters_with_a_separate_version_code_are_a_format_error():
    assert "number" in errors_of("9287170261 DK", "ON", "DK")


def test_trailing_letters_are_not_split_off_outside_ontario():
    assert "number" in errors_of("9000201422 AB", "BC")


# --- British Columbia ---

@pytest.mark.parametrize("number", ["9698658215", "9735353315", "9000201422", "9234567897"])
def test_british_columbia_numbers_that_pass(number):
    assert check_health_card(number, "BC") == CheckedHealthCard(number, "", "BC", None, [])


def test_british_columbia_number_that_fails_the_check_digit():
    errors = errors_of("9698648215", "BC")
    assert list(errors) == ["number"]
    assert "check digit" in errors["number"][0]


@pytest.mark.parametrize("number", [
    "8698658215",   # must start with 9
    "969865821",    # 9 digits
    "96986582150",  # 11 digits
    "96986A8215",   # a letter inside
])
def test_british_columbia_number_with_wrong_shape_is_a_format_error(number):
    assert errors_of(number, "BC")["number"] == [
        "This does not look like a British Columbia health card number (expected 10 digits starting with 9)."]


def test_british_columbia_check_result_of_10_is_invalid():
    # A body whose computed check is 10 has no valid 10th digit at all.
    weights = (2, 4, 8, 5, 10, 9, 7, 3)
    body = next(str(n) for n in range(10_000_000, 10_001_000)
                if (11 - sum(int(d) * w % 11 for d, w in zip(str(n), weights, strict=True)) % 11) % 11 == 10)
    for last in "0123456789":
        assert "check digit" in errors_of(f"9{body}{last}", "BC")["number"][0]


def test_british_columbia_has_no_version_code():
    assert errors_of("9698658215", "BC", "A") == {
        "version_code": ["British Columbia health cards have no version code."]}


# --- Quebec ---

@pytest.mark.parametrize("number", ["LASF80021411", "TEST54122816", "lasf 8002 1411", "LASF-8002-1411"])
def test_quebec_numbers_with_a_valid_format(number):
    card = check_health_card(number, "QC")
    assert card.number == normalize_health_card_number(number)
    assert card.warnings == []


@pytest.mark.parametrize("number", [
    "LAS80021411", "LASF8002141", "LASF800214111", "1ASF80021411", "LASFX0021411",
])
def test_quebec_wrong_format_is_an_error(number):
    assert errors_of(number, "QC")["number"] == [
        "This does not look like a Quebec health card number (expected 4 letters then 8 digits)."]


@pytest.mark.parametrize("patient", [
    {"family_name": "Lasalle", "given_name": "François", "date_of_birth": date(1980, 2, 14),
     "gender": "male"},
    {"family_name": "Lasalle", "given_name": "François", "date_of_birth": "1980-02-14",
     "gender": "unknown"},
    {"family_name": "Làs-Pérez", "given_name": "  fred"},
    {"date_of_birth": date(1980, 2, 14)},
    {},
])
def test_quebec_number_matching_the_patient_has_no_warnings(patient):
    assert check_health_card("LASF80021411", "QC", **patient).warnings == []


def test_quebec_female_month_has_50_added():
    card = check_health_card("LASF80521411", "QC", family_name="Lasalle", given_name="Fanny",
                             date_of_birth=date(1980, 2, 14), gender="female")
    assert card.warnings == []


@pytest.mark.parametrize("number, patient, expected_text", [
    ("LASF80021411", {"family_name": "Tremblay"}, "family name (expected TRE)"),
    ("LASF80021411", {"given_name": "Marie"}, "given name (expected M)"),
    ("LASF80021411", {"date_of_birth": date(1980, 2, 15)}, "expected 800215 or 805215"),
    # A female whose number has the male month, and the reverse.
    ("LASF80021411", {"date_of_birth": date(1980, 2, 14), "gender": "female"}, "expected 805214"),
    ("LASF80521411", {"date_of_birth": date(1980, 2, 14), "gender": "male"}, "expected 800214"),
])
def test_quebec_mismatch_with_the_patient_is_a_warning_not_an_error(number, patient, expected_text):
    card = check_health_card(number, "QC", **patient)
    assert card.number == number
    assert len(card.warnings) == 1
    assert expected_text in card.warnings[0]


def test_quebec_every_mismatch_gets_its_own_warning():
    card = check_health_card("TEST54122816", "QC", family_name="Roy", given_name="Anne",
                             date_of_birth=date(1954, 12, 28), gender="female")
    assert len(card.warnings) == 3


# --- Format-only provinces ---

@pytest.mark.parametrize("province, valid, invalid", [
    ("AB", "12345-6789", "1234567890"),
    ("SK", "123456789", "12345678"),
    ("MB", "123 456 789", "12345678A"),
    ("NB", "123456789", "1234567890"),
    ("NS", "1234567890", "123456789"),
    ("PE", "12345678", "123456789"),
    ("NL", "123456789012", "12345678901"),
    ("YT", "123456789", "1234567890"),
    ("NT", "n1234567", "12345678"),
    ("NU", "123456789", "223456789"),
])
def test_format_only_provinces(province, valid, invalid):
    card = check_health_card(valid, province)
    assert card.number == normalize_health_card_number(valid)
    assert card.province == province
    message = errors_of(invalid, province)["number"][0]
    assert message.startswith("This does not look like a")
    assert f" {PROVINCES[province]} health card number (expected " in message


# --- Input normalization and the other fields ---

@pytest.mark.parametrize("raw, expected", [
    ("1234-567-890 ab", "1234567890AB"),
    ("  lasf 8002-1411 ", "LASF80021411"),
    ("9876\t543 217", "9876543217"),
    ("", ""),
])
def test_normalize_health_card_number(raw, expected):
    assert normalize_health_card_number(raw) == expected


def test_province_and_version_code_are_normalized():
    card = check_health_card(" 9287-170-261 ", " on ", " dk ")
    assert card == CheckedHealthCard("9287170261", "DK", "ON", None, [])


@pytest.mark.parametrize("version", ["ABC", "1", "D1", "D-K"])
def test_version_code_must_be_at_most_2_letters(version):
    assert list(errors_of("9287170261", "ON", version)) == ["version_code"]


@pytest.mark.parametrize("province", ["", "XX", "NY", "Ontario", None])
def test_unknown_province_is_an_error(province):
    errors = errors_of("9876543217", province)
    assert errors == {"province": ["Choose a Canadian province or territory."]}


@pytest.mark.parametrize("number", ["", "   ", " - ", None])
def test_empty_number_is_an_error(number):
    assert errors_of(number, "ON") == {"number": ["Enter the health card number."]}


def test_several_errors_are_reported_together():
    errors = errors_of("", "ZZ", "ABC", "tomorrow")
    assert set(errors) == {"number", "province", "version_code", "expiry_date"}


@pytest.mark.parametrize("expiry, expected", [
    (date(2030, 1, 31), date(2030, 1, 31)),
    ("2030-01-31", date(2030, 1, 31)),
    (" 2030-01-31 ", date(2030, 1, 31)),
    (None, None),
    ("", None),
    ("  ", None),
])
def test_expiry_date_as_date_or_iso_string(expiry, expected):
    assert check_health_card("9876543217", "ON", expiry_date=expiry).expiry_date == expected


@pytest.mark.parametrize("expiry", ["31/01/2030", "2030-1-31", "20300131", "2030-02-30", "soon"])
def test_bad_expiry_date_is_an_error(expiry):
    assert errors_of("9876543217", "ON", expiry_date=expiry) == {
        "expiry_date": ["Enter the expiry date as YYYY-MM-DD."]}


@pytest.mark.parametrize("expiry", [date(2001, 1, 1), date.today() - timedelta(days=1), "2001-01-01"])
def test_expiry_date_in_the_past_is_not_an_error(expiry):
    card = check_health_card("9287170261", "ON", "DK", expiry)
    assert card.expiry_date < date.today()
    assert card.warnings == []
