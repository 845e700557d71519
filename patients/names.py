"""Name helpers: splitting a full name, and the accent- and case-free form used for search."""

import re
import unicodedata


def fold(text: str) -> str:
    """'  Élodie  O’Brien ' -> 'elodie o'brien': no accents, lower case, single spaces."""
    if not text:
        return ""
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
    seen = []
    for word in fold(" ".join(p for p in parts if p)).split():
        pieces = [word] + [piece for piece in re.split(r"[-']", word) if piece and piece != word]
        for piece in pieces:
            if piece not in seen:
                seen.append(piece)
    return " ".join(seen)
