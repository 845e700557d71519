"""Field rules (patients/validation.py): each with values it accepts and values it refuses."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from patients import validation as v


def refused(rule, *args, **kwargs) -> str:
    with pytest.raises(v.FieldError) as caught:
        rule(*args, **kwargs)
    assert caught.value.message
    return caught.value.message


# --- phone ---

@pytest.mark.parametrize("typed", [
    "416-555-0123", "(416) 555 0123", "416.555.0123", "4165550123", "+1 416 555 0123", "1-416-555-0123",
    " 416 555 0123 ", 4165550123,
])
def test_phone_in_any_typed_format_becomes_e164(typed):
    assert v.clean_phone(typed, "CA") == "+14165550123"


def test_phone_is_read_in_the_organizations_region():
    assert v.clean_phone("050 123 4567", "AE") == "+971501234567"
    refused(v.clean_phone, "050 123 4567", "CA")
    refused(v.clean_phone, "416 555 0123", "AE")


def test_phone_with_a_country_code_is_read_as_typed_in_any_region():
    assert v.clean_phone("+971 50 123 4567", "CA") == "+971501234567"
    assert v.clean_phone("+1 (416) 555-0123", "AE") == "+14165550123"


@pytest.mark.parametrize("typed", ["416-555-CALL", "416 555 0123 ext 4", "four one six", "416_555_0123",
                                   "416*555*0123", "+1 416 555 0123#"])
def test_phone_with_letters_or_symbols_is_refused(typed):
    assert "digits only" in refused(v.clean_phone, typed, "CA")


@pytest.mark.parametrize("typed", ["123", "()--", "+", "1" * 40, "555-0123"])
def test_phone_that_is_not_a_real_number_is_refused(typed):
    refused(v.clean_phone, typed, "CA")


def test_empty_phone_is_empty():
    assert v.clean_phone("", "CA") == ""
    assert v.clean_phone(None, "CA") == ""


def test_phone_from_calling_code_and_local_number():
    assert v.phone_from_parts("+971", "561231231", "CA") == "+971561231231"
    assert v.phone_from_parts("971", "56 123 1231", "CA") == "+971561231231"
    assert v.phone_from_parts("", "416 555 0123", "CA") == "+14165550123"
    assert v.phone_from_parts("+971", "", "CA") == ""
    refused(v.phone_from_parts, "+97a", "561231231", "CA")
    refused(v.phone_from_parts, "+971", "56123123x", "CA")


# --- date of birth ---

def test_date_of_birth_accepts_a_real_past_date():
    assert v.clean_date_of_birth("1985-04-12") == date(1985, 4, 12)
    assert v.clean_date_of_birth("1900-01-01") == date(1900, 1, 1)
    assert v.clean_date_of_birth(timezone.localdate()) == timezone.localdate()
    assert v.clean_date_of_birth(date(2000, 2, 29)) == date(2000, 2, 29)


def test_date_of_birth_accepts_a_datetime_as_its_date():
    assert v.clean_date_of_birth(datetime(1985, 4, 12, 10, 30)) == date(1985, 4, 12)


def test_date_of_birth_in_the_future_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert "future" in refused(v.clean_date_of_birth, tomorrow.isoformat())


def test_date_of_birth_before_1900_is_refused():
    assert "1900" in refused(v.clean_date_of_birth, "1899-12-31")


@pytest.mark.parametrize("typed", ["1985/04/12", "12-04-1985", "19850412", "1985-4-12", "April 12 1985",
                                   "1985-04-12T00:00:00", 19850412, {"date": "1985-04-12"}])
def test_date_of_birth_in_another_format_is_refused(typed):
    assert "YYYY-MM-DD" in refused(v.clean_date_of_birth, typed)


@pytest.mark.parametrize("typed", ["1985-02-30", "1985-13-01", "2023-02-29"])
def test_date_of_birth_that_does_not_exist_is_refused(typed):
    assert "not a real date" in refused(v.clean_date_of_birth, typed)


def test_unknown_date_placeholder_is_only_for_leads():
    assert v.clean_date_of_birth("1111-01-01", allow_unknown=True) is None
    assert "only allowed for leads" in refused(v.clean_date_of_birth, "1111-01-01")
    # Any other early date is still refused for leads.
    refused(v.clean_date_of_birth, "1111-01-02", allow_unknown=True)


def test_empty_date_of_birth_is_none():
    assert v.clean_date_of_birth("") is None
    assert v.clean_date_of_birth(None) is None


# --- email ---

def test_email_is_trimmed_and_its_domain_lower_cased():
    assert v.clean_email("  Ana.Lima@Example.COM ") == "Ana.Lima@example.com"
    assert v.clean_email("") == ""
    assert v.clean_email(None) == ""


@pytest.mark.parametrize("typed", ["ana", "ana@", "@example.com", "ana@exa mple.com", "ana@@example.com",
                                   "a" * 250 + "@example.com", 12345])
def test_invalid_email_is_refused(typed):
    refused(v.clean_email, typed)


# --- gender ---

@pytest.mark.parametrize("sent, stored", [
    ("Male", "male"), ("female", "female"), ("FEMALE", "female"), (" other ", "other"), ("unknown", "unknown"),
    ("M", "male"), ("f", "female"), ({"value": "Male"}, "male"), ({"value": "female"}, "female"),
])
def test_gender_accepts_strings_and_the_object_form(sent, stored):
    assert v.clean_gender(sent) == stored


@pytest.mark.parametrize("sent", ["robot", "", None, {"value": None}, {"label": "male"}, ["male"], 1])
def test_unknown_gender_is_refused(sent):
    assert "male, female" in refused(v.clean_gender, sent)


# --- province / state ---

@pytest.mark.parametrize("sent, stored", [("ON", "ON"), ("qc", "QC"), (" bc ", "BC"), ("NY", "NY"),
                                          ("ca", "CA"), ("YT", "YT"), ("", "")])
def test_province_accepts_canadian_provinces_and_us_states(sent, stored):
    assert v.clean_province(sent) == stored


@pytest.mark.parametrize("sent", ["XX", "Ontario", "O", "ONT", "ZZ"])
def test_unknown_province_is_refused(sent):
    refused(v.clean_province, sent)


# --- roles ---

def test_roles_default_and_known_roles():
    assert v.clean_roles(None) == ["patient"]
    assert v.clean_roles([]) == ["patient"]
    assert v.clean_roles(["patient", "caregiver", "patient"]) == ["patient", "caregiver"]
    assert v.clean_roles(("dependent",)) == ["dependent"]


@pytest.mark.parametrize("sent", [["admin"], ["patient", "doctor"], "patient", [1], {"patient": True}])
def test_unknown_roles_or_shapes_are_refused(sent):
    refused(v.clean_roles, sent)


def test_unknown_role_error_names_it():
    assert "doctor" in refused(v.clean_roles, ["patient", "doctor"])


# --- password ---

def test_strong_password_is_accepted(db):
    assert v.clean_password("Maple-Leaf-2024", email="ana@example.com") == "Maple-Leaf-2024"
    assert v.clean_password("") == ""


@pytest.mark.parametrize("password, says", [
    ("Ab1!xyz", "at least 10"),  # too short
    ("abcdefghijk1", "symbol"),  # no symbol
    ("abcdefgh!!!!", "digit"),  # no digit
    ("1234567890!!", "letter"),  # no letter
    ("12345678901", "numeric"),  # entirely numeric
    ("password123", "common"),
])
def test_weak_password_is_refused(db, password, says):
    assert says in refused(v.clean_password, password).lower()


def test_password_like_the_email_is_refused(db):
    assert "similar" in refused(v.clean_password, "ana.lima.example!1", email="ana.lima@example.com")


# --- non-negative counts ---

@pytest.mark.parametrize("sent, stored", [(0, 0), (3, 3), ("7", 7), (2.0, 2)])
def test_unread_notifications_accepts_whole_non_negative_numbers(sent, stored):
    assert v.clean_non_negative_int(sent, "unread notifications") == stored


@pytest.mark.parametrize("sent", [-1, "-1", 1.5, "abc", True, None, [1]])
def test_unread_notifications_refuses_negative_or_non_whole_numbers(sent):
    refused(v.clean_non_negative_int, sent, "unread notifications")


def test_unread_notifications_refuses_numbers_the_database_cannot_store():
    assert "too large" in refused(v.clean_non_negative_int, 10**12, "unread notifications")
    assert v.clean_non_negative_int(2**31 - 1, "unread notifications") == 2**31 - 1


# --- verification statuses ---

def test_verification_statuses():
    assert v.clean_verification_statuses(None) == {}
    assert v.clean_verification_statuses({}) == {}
    assert v.clean_verification_statuses({"email": "verified", "phone": "pending"}) == {
        "email": "verified", "phone": "pending"}
    assert v.clean_verification_statuses({"email": True, "phone": False}) == {
        "email": "verified", "phone": "unverified"}
    assert v.clean_verification_statuses({"email": {"status": "verified"}}) == {"email": "verified"}


@pytest.mark.parametrize("sent", [{"fax": "verified"}, {"email": "maybe"}, {"email": None}, "verified",
                                  ["email"], {"email": {"state": "verified"}}])
def test_unknown_verification_channel_or_status_is_refused(sent):
    refused(v.clean_verification_statuses, sent)
