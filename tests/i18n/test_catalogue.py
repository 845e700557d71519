"""The French catalogue (locale/fr/LC_MESSAGES): every marked string translated, none fuzzy, the
committed .mo compiled from the .po, and the .po up to date with the source (`make messages`)."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make messages` leaves out (Makefile); dot-directories (.venv, .git) are skipped by makemessages.
NOT_SOURCE = {"bench", "tests", "locale", "staticfiles", "test-artifacts", "docs"}


def _key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def _live(po):
    return [e for e in po if not e.obsolete and e.msgid]


def test_every_marked_string_has_a_french_translation():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries() if e.msgid]
    assert not untranslated, f"Translate these in {PO} (make messages, then fill in msgstr): {untranslated}"
    assert not fuzzy, f"Check these guessed translations and remove their 'fuzzy' flag: {fuzzy}"


def test_the_committed_mo_is_compiled_from_the_po():
    po, mo = polib.pofile(str(PO)), polib.mofile(str(MO))

    def texts(catalogue):
        return {_key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in _live(catalogue)}

    assert texts(mo) == texts(po), "The .mo is older than the .po: run `make messages`."


def test_the_catalogue_has_every_string_marked_in_the_source(tmp_path, monkeypatch, settings):
    """makemessages over a copy of the source tree (links) into an empty catalogue: the same strings."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext (xgettext) is needed to check the catalogue: apt-get install gettext")
    base = Path(settings.BASE_DIR)
    for entry in base.iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in NOT_SOURCE:
            (tmp_path / entry.name).symlink_to(entry, target_is_directory=True)
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["fr"], symlinks=True, verbosity=0, no_obsolete=True)

    fresh = {_key(e) for e in _live(polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po")))}
    committed = {_key(e) for e in _live(polib.pofile(str(PO)))}
    assert fresh - committed == set(), "Marked in the source but not in the catalogue: run `make messages`."
    assert committed - fresh == set(), "In the catalogue but no longer in the source: run `make messages`."
