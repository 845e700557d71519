"""Name search's word-index pre-filter (`patients.selectors.name_filter` on PostgreSQL): it only
narrows what the LIKE conditions read, so every search finds exactly what the LIKEs alone find,
whatever the names hold (hyphens, apostrophes, digits, other scripts, markup-like text)."""

import pytest
from django.db import connection
from django.db.models import Q

from patients.models import Patient
from patients.names import fold
from patients.selectors import _indexable_pieces, name_filter, search_words_condition
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

NAMES = [
    ("Élodie", "Bérubé"), ("Jean-Luc", "Saint-Pierre"), ("Siobhán", "O'Brien"), ("Seán", "O’Neill"),
    ("D'Arcy", "Tremblay-Côté"), ("Anne-Marie-Claire", "Lê"), ("王", "小明"), ("محمد", "عبد الله"),
    ("Олександр", "Бойко"), ("Ngọc", "Nguyễn"), ("Jürgen", "Straße"), ("राम", "शर्मा"), ("Ægir", "Øvrebø"),
    ("Louis", "XIV 3rd"), ("Ab12", "1e5x"), ("Jean-12ab", "3-4"), ("Mary.", "Mc.Donald"), ("x_y", "a_b"),
    ("user@x.com", "st.pierre"), ("Smith://x", "jo:80"), ("<a smith>", "<b>Jones</b>"), ("a &amp; b", "x&#39;y"),
    ("ʼOkina", "ǅemal"), ("--dash", "'quote"), ("Zoë", "Ĳsselmeer"), ("Bo", "Chen"), ("Robert", "Berg"),
]
QUERIES = [
    "elo", "elodie berube", "saint-p", "saint-pierre", "pierre jean", "jean-l", "o'b", "o'brien sio", "brien",
    "o’ne sean", "tremblay-c", "cote d'a", "anne-marie-c le", "王", "王 小", "محمد عبد", "олекс бой", "ngoc nguy",
    "jurgen strasse", "राम", "रा श", "ægir øvr", "louis xiv 3", "3rd louis", "ab1 1e5", "1e5x ab", "jean-1", "3-4",
    "mary mc.d", "mc. mary", "x_y a", "x a_b", "user@x st.p", "user st", "smith://x jo", "smith jo:8", "smith jo",
    "<a smith", "smith jones", "<b>jones", "a amp", "&amp; b", "x&#39", "okina demal", "ʼok ǆe", "--dash 'quote",
    "dash quote", "zoe ijss", "bo chen", "rob berg", "b c", "e b", "jean luc", "'", "-", "% b", "a_", "_",
]


def like_only(text):
    """The name condition without its pre-filter: every word starts a word of search_name."""
    condition = Q()
    for word in dict.fromkeys(fold(text).split()):
        condition &= Q(search_name__startswith=word) | Q(search_name__contains=" " + word)
    return condition


@pytest.fixture
def patients(organization):
    return [PatientFactory(organization=organization, given_name=g, family_name=f) for g, f in NAMES]


def ids(condition):
    return set(Patient.objects.filter(condition).values_list("pk", flat=True))


@pytest.mark.parametrize("query", QUERIES)
def test_results_are_those_of_the_like_conditions_alone(patients, query):
    assert ids(name_filter(query)) == ids(like_only(query))


def test_every_prefix_of_every_word_of_every_name_is_found_by_the_word_index(patients):
    """Stronger than the searches above: the index lookup alone never misses a name a LIKE finds,
    for every prefix of every word of every name, each alone and after another word."""
    if connection.vendor != "postgresql":
        pytest.skip("the word index is PostgreSQL's")
    words = {w for p in Patient.objects.all() for w in p.search_name.split()}
    prefixes = {w[:n] for w in words for n in range(1, len(w) + 1)}
    checked = 0
    for prefix in sorted(prefixes):
        if not _indexable_pieces(prefix):
            continue
        like = ids(like_only(prefix))
        assert like <= ids(search_words_condition([prefix])), prefix
        assert ids(name_filter("e " + prefix)) == ids(like_only("e " + prefix)), prefix
        checked += 1
    assert checked > 100


def test_words_the_index_cannot_read_alike_are_left_to_their_like():
    assert _indexable_pieces("saint-pie") == ["saint", "pie"]
    assert _indexable_pieces("o'b") == ["o", "b"]
    assert _indexable_pieces("王") == ["王"]
    for word in ("3rd", "1e5x", "x_y", "mc.d", "user@x", "-dash", "रा", "ʼok", "a%", "smith://x", "3-4"):
        assert _indexable_pieces(word) == [], word


def test_postgresql_reads_the_words_through_the_indexed_expression(organization):
    if connection.vendor != "postgresql":
        pytest.skip("the word index is PostgreSQL's")
    sql = str(Patient.objects.filter(name_filter("Oleksandr Bou")).query)
    assert ("to_tsvector('simple'::regconfig, translate(\"patients_patient\".\"search_name\", '<:', '  ')) "
            "@@ to_tsquery('simple'::regconfig, ") in sql
    assert "LIKE" in sql  # still the exact condition
    # ... but only as a recheck: on an expression the trigram index does not cover, so that the
    # planner reads the words through the word index (one scan) instead of each word's trigrams.
    assert sql.count("(\"patients_patient\".\"search_name\" || '')") == 4
    assert "\"patients_patient\".\"search_name\"::text LIKE" not in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'patient_search_words'")
        (definition,) = cursor.fetchone()
    assert "to_tsvector('simple'::regconfig, translate((search_name)::text, '<:'::text, '  '::text))" in definition


def test_a_single_word_is_left_to_its_like_and_other_databases_to_the_likes():
    single = str(Patient.objects.filter(name_filter("trem")).query)
    assert "to_tsvector" not in single
    assert "|| ''" not in single  # its LIKE is read through the trigram index
    both = str(Patient.objects.filter(name_filter("andre tre")).query)
    assert ("to_tsvector" in both) == (connection.vendor == "postgresql")


def test_tsquery_syntax_typed_is_not_read_as_syntax(patients):
    for query in ("a & !b", "bo | chen", "bo:* chen", "b' & 'c", "(bo) chen", "bo <-> chen", "\\ bo chen"):
        assert ids(name_filter(query)) == ids(like_only(query)), query


def test_the_name_indexes_pending_lists_stay_small_for_the_application():
    """The pending list of the GIN name indexes: every name search scans it, and the registration
    that fills it merges it; the application's connections keep it at 256 kB (config/settings.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("GIN indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW gin_pending_list_limit")
        assert cursor.fetchone()[0] == "256kB"
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname IN ('patient_search_words', "
                       "'patient_search_name_trgm')")
        assert [row[0] for row in cursor.fetchall()] == [None, None]  # the session's limit applies
