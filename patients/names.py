"""Name helpers: splitting a full name, and the accent- and case-free form used for search."""

import re
import unicodedata

_COMPOUND_SEPARATORS = re.compile(r"[-']")
_FOLDED: dict[str, str] = {}  # the same names come back row after row in an import
_FOLDED_LIMIT = 20_000


def fold(text: str) -> str:
    """'  Élodie  O’Brien ' -> 'elodie o'brien': no accents, lower case, single spaces."""
    if not text:
        return ""
    if type(text) is not str:
        return _fold_any(text)
    folded = _FOLDED.get(text)
    if folded is None:
        if len(_FOLDED) >= _FOLDED_LIMIT:
            _FOLDED.clear()
        folded = _FOLDED[text] = _fold(text)
    return folded


def _fold(text: str) -> str:
    if text.isascii():  # nothing to decompose, no accents, no ’ or ß; casefold() is lower() here
        return " ".join(text.lower().split())
    return _fold_any(text)


def _fold_any(text) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("’", "'").replace("ß", "ss")
    return " ".join(stripped.casefold().split())


def split_full_name(full_name: str) -> tuple[str, str]:
    """Split a full name as written into (given, family): the last word is the family name.

    'Incomplete patient ' -> ('Incomplete', 'patient'); 'Cher' -> ('Cher', '').
    """
    words = (full_name or "").split()
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    return " ".join(words[:-1]), words[-1]


def search_name(*parts: str) -> str:
    """The folded words of every name a patient goes by, for partial, accent-free search.

    A compound name is kept whole and also split, so 'Tremblay-Côté' is found by 'cote' and by
    'tremblay-cote', and "O'Brien" by 'brien'.
    """
    seen = {}  # ordered, like a list without repeats
    joined = " ".join(p for p in parts if p)
    for word in (_fold(joined) if joined else "").split():
        seen[word] = None
        if "-" in word or "'" in word:
            for piece in _COMPOUND_SEPARATORS.split(word):
                if piece:
                    seen[piece] = None
    return " ".join(seen)
