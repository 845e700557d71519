"""The shortcuts taken for the CSV import's speed give the same answers as the plain way.

Each test compares a rule with its reference: the code as it was before the shortcut (copied
here), or the library the shortcut stands in for, over many inputs.
"""

import random
import re
import string
import unicodedata
import zoneinfo
from datetime import timedelta

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.test import override_settings
from django.utils import timezone

from bench.names_pool import FAMILY, GIVEN_FEMALE, GIVEN_MALE, NICKNAMES
from patients import health_cards, names
from patients import validation as v

# --- names -----------------------------------------------------------------------------------


def reference_fold(text):
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("’", "'").replace("ß", "ss")
    return " ".join(stripped.casefold().split())


def reference_search_name(*parts):
    seen = []
    for word in reference_fold(" ".join(p for p in parts if p)).split():
        pieces = [word] + [piece for piece in re.split(r"[-']", word) if piece and piece != word]
        for piece in pieces:
            if piece not in seen:
                seen.append(piece)
    return " ".join(seen)


NAME_WORDS = [*GIVEN_FEMALE, *GIVEN_MALE, *FAMILY, *NICKNAMES, "O’Brien", "o'neil", "Tremblay-Côté", "-", "'", "’",
              "Straße", "ǅemal", "ﬁona", "Ｍａｒｉａ", "İlkay", "ΣΟΦΙΑ", "Nguyễn", "Zoë\t", "\u00a0Ana", "a--b", "''"]


def random_names(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        yield " ".join(rng.choice(NAME_WORDS) for _ in range(rng.randint(0, 3)))


def test_fold_of_every_ascii_character_is_the_plain_fold():
    every_ascii = "".join(map(chr, range(128)))
    for text in [every_ascii, *every_ascii, "  Ana   LIMA ", "O'Brien-Smith", "\x1c\x1d\x1e\x1f"]:
        assert names.fold(text) == reference_fold(text)


def test_fold_of_names_with_accents_and_compatibility_letters_is_the_plain_fold():
    for text in random_names(3000, seed=1):
        assert names.fold(text) == reference_fold(text), text


def test_fold_remembers_only_so_many_names(monkeypatch):
    monkeypatch.setattr(names, "_FOLDED_LIMIT", 5)
    names._FOLDED.clear()
    for text in random_names(50, seed=2):
        assert names.fold(text) == reference_fold(text)
        assert len(names._FOLDED) <= 5


def test_fold_of_a_text_subclass_and_of_nothing():
    class Marked(str):
        pass

    assert names.fold(Marked("Élodie")) == "elodie"
    assert names.fold(None) == names.fold("") == ""
    with pytest.raises(TypeError):
        names.fold(["not", "text"])


def test_search_name_is_the_plain_search_name():
    rng = random.Random(3)
    texts = list(random_names(400, seed=4))
    for _ in range(3000):
        parts = [rng.choice(texts) for _ in range(4)]
        assert names.search_name(*parts) == reference_search_name(*parts), parts
    assert names.search_name("Ana", None, "", "ana") == reference_search_name("Ana", None, "", "ana")


# --- phone -----------------------------------------------------------------------------------


def reference_clean_phone(raw, region):
    """clean_phone as it was: phonenumbers parses every number."""
    text = str(raw or "").strip()
    if not text:
        return ""
    if re.search(r"[A-Za-z]", text) or not re.match(r"^\+?[\d\s().\-]+$", text):
        raise v.FieldError("Enter digits only; letters and other symbols are not allowed in a phone number.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise v.FieldError("Enter a valid phone number.") from exc
    if not (phonenumbers.is_valid_number_for_region(number, region) or phonenumbers.is_valid_number(number)):
        raise v.FieldError(f"Enter a valid phone number (numbers without a country code are read as {region}).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def outcome(rule, *args):
    try:
        return rule(*args)
    except v.FieldError as exc:
        return ("refused", exc.message)


def test_north_american_numbers_in_e164_read_as_phonenumbers_reads_them():
    rng = random.Random(5)
    numbers = [f"+1{area}{rng.randint(0, 9_999_999):07d}" for area in range(200, 1000) for _ in range(3)]
    numbers += ["+12025550123", "+18005550199", "+16847331234", "+14165550101", "+19999999999", "+12000000000"]
    for number in numbers:
        for region in ("CA", "US", "AE", "GB"):
            assert outcome(v.clean_phone, number, region) == outcome(reference_clean_phone, number, region), number


@pytest.mark.parametrize("typed", ["+10165550101", "+11165550101", "+1416555010", "+141655501011", "+1 416 555 0101",
                                   "+1-416-555-0101", "+1(416)5550101", "+１4165550101", "+1416555010１",
                                   "+1٤١٦٥٥٥٠١٠١", "4165550101", "14165550101", "+14165550101 ", "+971501234567"])
def test_numbers_outside_the_shortcut_read_as_before(typed):
    for region in ("CA", "AE"):
        assert outcome(v.clean_phone, typed, region) == outcome(reference_clean_phone, typed, region)


# --- date of birth ------------------------------------------------------------------------------


def reference_future(born):
    return born > timezone.localdate()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "America/Toronto", "Asia/Dubai", "UTC"])
def test_a_birth_date_around_today_is_judged_in_the_current_time_zone(zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        today_utc = timezone.now().date()
        for days in range(-3, 4):
            born = today_utc + timedelta(days=days)
            future = outcome(v.clean_date_of_birth, born.isoformat()) != born
            assert future == reference_future(born), (zone, born)


def test_without_time_zones_the_date_of_birth_is_checked_as_before():
    with override_settings(USE_TZ=False), pytest.raises(ValueError):
        # As before: timezone.localdate() refuses a naive "now"; nothing is skipped without time zones.
        v.clean_date_of_birth("1985-04-12")


# --- email -------------------------------------------------------------------------------------

EMAILS = [
    "ana@example.com", "Ana.Lima@Example.COM", "a@b.co", "x@localhost", "a@b", "user+tag@sub.domain.org",
    '"quoted"@example.com', '"quo\\"ted"@example.com', "a@[127.0.0.1]", "a@[IPv6:::1]", "a@[300.0.0.1]",
    "a..b@x.com", "a@x..com", ".a@x.com", "a.@x.com", "a@-x.com", "a@x-.com", "é@x.com", "a@exämple.com",
    "a@xn--bcher-kva.example", "a@x.c", "a@x.123", "a@" + "x" * 64 + ".com", "a" * 65 + "@x.com", "a b@x.com",
    "a@x .com", "@x.com", "a@", "a", "", "a@x.com\n", "a@x.com.", "A@LOCALHOST", "a@sub_domain.com",
]


def django_outcome(text):
    try:
        django_validate_email(text)
    except ValidationError as exc:
        return exc.messages
    return "valid"


def ours(text):
    try:
        v.validate_email(text)
    except ValidationError as exc:
        return exc.messages
    return "valid"


def test_email_validation_is_djangos():
    rng = random.Random(6)
    alphabet = string.ascii_letters + string.digits + ".-_+@\"[]: é"
    generated = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(3000)]
    for text in EMAILS + generated:
        assert ours(text) == django_outcome(text), text


# --- health cards ------------------------------------------------------------------------------


def test_a_corrected_province_format_applies_at_once(monkeypatch):
    """RULES stays the one place to correct a format: the compiled patterns follow it."""
    assert health_cards.check_health_card("123456789", "AB").number == "123456789"
    monkeypatch.setitem(health_cards.RULES, "AB", health_cards.Rule("Alberta", r"\d{10}", "10 digits"))
    with pytest.raises(health_cards.PatientRuleError) as caught:
        health_cards.check_health_card("123456789", "AB")
    assert "expected 10 digits" in caught.value.errors["number"][0]
    assert health_cards.check_health_card("1234567890", "AB").number == "1234567890"
