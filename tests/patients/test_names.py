"""Name helpers: the folded form search and duplicate matching compare, and full-name splitting."""

import pytest

from patients.names import fold, search_name, split_full_name


@pytest.mark.parametrize("written, folded", [
    ("Élodie", "elodie"),
    ("  Élodie   O’Brien ", "elodie o'brien"),
    ("BÉRUBÉ", "berube"),
    ("Straße", "strasse"),
    ("Nguyễn Thị", "nguyen thi"),
    ("Zoë\tSaldaña", "zoe saldana"),
    ("Ｍａｒｉａ", "maria"),  # full-width letters typed on some keyboards
    ("", ""),
    (None, ""),
])
def test_fold_drops_accents_case_and_extra_spaces(written, folded):
    assert fold(written) == folded


@pytest.mark.parametrize("full, parts", [
    ("Incomplete patient ", ("Incomplete", "patient")),
    ("Maria da Silva", ("Maria da", "Silva")),
    ("Cher", ("Cher", "")),
    ("  Ana   Lima  ", ("Ana", "Lima")),
    ("", ("", "")),
    (None, ("", "")),
])
def test_split_full_name_takes_the_last_word_as_family_name(full, parts):
    assert split_full_name(full) == parts


def test_search_name_joins_every_name_once_folded():
    assert search_name("Élodie", "Bérubé", "Lodie", "Élodie Bérubé") == "elodie berube lodie"
    assert search_name("", "", "", "") == ""
    assert search_name("Ana", None, "", "ana") == "ana"


def test_compound_names_are_searchable_by_each_part():
    words = search_name("Marie", "Tremblay-Côté", "", "O’Brien")

    assert words.split() == ["marie", "tremblay-cote", "tremblay", "cote", "o'brien", "o", "brien"]
