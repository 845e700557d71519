"""The changelist paginator: an exact count for small results, the planner's estimate (PostgreSQL)
instead of COUNT(*) over a large table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import Patient
from patients.pagination import EstimatedCountPaginator
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


@pytest.mark.parametrize("rows", [0, 1, 4, 5, 6, 11])
def test_pages_answer_exactly_as_a_counted_paginator(organization, rows):
    from django.core.paginator import EmptyPage, Paginator

    PatientFactory.create_batch(rows, organization=organization)
    ordered = Patient.objects.order_by("-created_at", "pk")
    for number in (1, 2, 3, 4):
        counted, ours = Paginator(ordered, 5), EstimatedCountPaginator(ordered, 5)
        try:
            expected = counted.page(number)
        except EmptyPage:
            with pytest.raises(EmptyPage):
                ours.page(number)
            continue
        page = ours.page(number)
        assert [p.pk for p in page] == [p.pk for p in expected]
        assert (ours.count, ours.num_pages, page.has_next(), page.has_previous()) == (
            counted.count, counted.num_pages, expected.has_next(), expected.has_previous())
