"""The changelist paginator: an exact count for small results, the planner's estimate (PostgreSQL)
instead of COUNT(*) over a large table."""

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import Patient
from patients.pagination import EstimatedCountPaginator, PageReading
from tests.factories import PatientFactory


class TinyThreshold(EstimatedCountPaginator):
    exact_below = 2


def test_a_small_result_is_counted_exactly(organization):
    PatientFactory.create_batch(3, organization=organization)
    paginator = EstimatedCountPaginator(Patient.objects.order_by("-created_at"), 2)
    assert paginator.count == 3 and paginator.num_pages == 2
    assert not paginator.is_estimate


@pytest.mark.postgres_only
def test_a_large_result_is_estimated_without_counting(organization):
    PatientFactory.create_batch(5, organization=organization)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_patient")
    with CaptureQueriesContext(connection) as captured:
        paginator = TinyThreshold(Patient.objects.order_by("-created_at"), 2)
        count = paginator.count
    assert paginator.is_estimate and count >= 3
    assert not [q for q in captured.captured_queries if q["sql"].upper().startswith("SELECT COUNT")]


@pytest.mark.postgres_only
def test_a_filtered_result_is_estimated_with_its_filter(organization, other_organization):
    PatientFactory.create_batch(4, organization=organization)
    paginator = EstimatedCountPaginator(Patient.objects.filter(organization=other_organization), 10)
    assert paginator.count == 0 and not paginator.is_estimate


def test_the_last_page_still_asks_for_a_full_page(organization):
    # A LIMIT cut down to the count (Django's default) makes PostgreSQL pick a slow plan for searches.
    PatientFactory.create_batch(3, organization=organization)
    paginator = EstimatedCountPaginator(Patient.objects.order_by("-created_at"), 25)

    with CaptureQueriesContext(connection) as captured:
        page = list(paginator.page(1))

    assert len(page) == 3
    assert "LIMIT 26" in captured.captured_queries[-1]["sql"]  # a full page and one more


def test_a_page_that_is_not_full_is_counted_without_asking(organization):
    PatientFactory.create_batch(3, organization=organization)
    paginator = EstimatedCountPaginator(Patient.objects.order_by("-created_at"), 25)

    with CaptureQueriesContext(connection) as captured:
        page = paginator.page(1)

    assert len(captured.captured_queries) == 1  # the page itself: no EXPLAIN, no COUNT
    assert paginator.count == 3 and not paginator.is_estimate and not page.has_next()


def assert_same_page(expected_paginator, ours, number, *, fields):
    """`ours.page(number)` holds the rows of `expected_paginator`'s and agrees on `fields`, or both
    refuse the page."""
    try:
        expected = expected_paginator.page(number)
    except EmptyPage:
        with pytest.raises(EmptyPage):
            ours.page(number)
        return
    page = ours.page(number)
    assert [p.pk for p in page] == [p.pk for p in expected]
    assert [getattr(ours, f) for f in fields] == [getattr(expected_paginator, f) for f in fields]
    assert (page.has_next(), page.has_previous()) == (expected.has_next(), expected.has_previous())


@pytest.mark.parametrize("reading", [PageReading.ROWS, PageReading.IDS, PageReading.IDS_COUNTED])
@pytest.mark.parametrize("rows", [0, 1, 4, 5, 6, 11])
def test_pages_answer_exactly_as_a_counted_paginator(organization, rows, reading):
    PatientFactory.create_batch(rows, organization=organization)
    ordered = Patient.objects.order_by("-created_at", "pk")
    for number in (1, 2, 3, 4):
        ours = EstimatedCountPaginator(ordered, 5, reading=reading)
        assert_same_page(Paginator(ordered, 5), ours, number, fields=("count", "num_pages"))


@pytest.mark.parametrize("rows", [0, 3, 4, 5, 9])
def test_a_page_counted_with_it_answers_as_the_usual_page_around_the_cap(organization, rows):
    """Pages of 2 rows with an exact count up to 4: up to the cap, the rows, count and next page of
    Django's counting paginator; past it, those of the page read, estimated and counted the usual way
    (on PostgreSQL, below the cap the usual way can take the planner's guess for a tiny table)."""
    PatientFactory.create_batch(rows, organization=organization)
    ordered = Patient.objects.order_by("-created_at", "pk")
    for number in (1, 2, 3, 5, 6):
        usual, ours = TinyThreshold(ordered, 2), TinyThreshold(ordered, 2, reading=PageReading.IDS_COUNTED)
        usual.exact_below = ours.exact_below = 4
        if rows <= 4 and number <= 2:  # pages past the cap are read the usual way by both
            usual = Paginator(ordered, 2)
            usual.is_estimate = False
        assert_same_page(usual, ours, number, fields=("count", "is_estimate"))


def test_a_page_counted_with_it_reads_the_matches_once(organization):
    PatientFactory.create_batch(7, organization=organization)
    paginator = EstimatedCountPaginator(Patient.objects.order_by("-created_at"), 5, reading=PageReading.IDS_COUNTED)

    with CaptureQueriesContext(connection) as captured:
        page = paginator.page(1)

    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 2, statements  # the ids with their count, then the page's rows by id
    assert "COUNT(*) OVER ()" in statements[0] and not statements[0].startswith("EXPLAIN")
    assert (paginator.count, paginator.is_estimate, len(page), page.has_next()) == (7, False, 5, True)


def test_a_page_read_by_ids_reads_the_ids_then_those_rows(organization):
    PatientFactory.create_batch(7, organization=organization)
    paginator = EstimatedCountPaginator(Patient.objects.order_by("-created_at"), 5, reading=PageReading.IDS)

    with CaptureQueriesContext(connection) as captured:
        page = paginator.page(2)

    first, second = (q["sql"] for q in captured.captured_queries)
    assert first.startswith('SELECT "patients_patient"."id" AS "pk" FROM') and "LIMIT 6 OFFSET 5" in first
    assert '"patients_patient"."id" IN (' in second
    assert (paginator.count, len(page), page.has_next()) == (7, 2, False)
