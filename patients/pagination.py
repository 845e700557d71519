"""A paginator that never counts a million rows on each page load (admin changelist, API search).

On PostgreSQL the planner's estimate (EXPLAIN) stands in for COUNT(*) when it is large; a small
result is counted exactly, but never past a cap. Other databases (SQLite in development) count.
"""

import json

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_BELOW = 10_000


def planner_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of how many rows `queryset` returns (None when it cannot tell)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except Exception:  # an EmptyResultSet and the like: let the exact count handle it
        return None
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def ids_in_order(queryset, limit: int, offset: int) -> list:
    """The ids of `queryset`'s rows `offset` to `offset + limit`, in its order."""
    pk = queryset.model._meta.pk
    return [pk.to_python(i) for i in queryset.values_list("pk", flat=True)[offset : offset + limit]]


def ids_with_match_count(queryset, limit: int, offset: int, *, up_to: int) -> list[tuple]:
    """(id, matches) of `queryset`'s rows `offset` to `offset + limit` in its order, in one statement
    that reads its first `up_to` matches: `matches` is how many there are, up to `up_to`."""
    pk = queryset.model._meta.pk
    ids_sql, params = queryset.values_list("pk", flat=True)[:up_to].query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        # The sub-select's ORDER BY and LIMIT give the order; a window over all its rows keeps it.
        cursor.execute(f"SELECT s.*, COUNT(*) OVER () FROM ({ids_sql}) s LIMIT %s OFFSET %s",
                       (*params, limit, offset))
        return [(pk.to_python(i), matches) for i, matches in cursor.fetchall()]


def rows_by_id(queryset, ids) -> list:
    """The rows of `ids`, in that order, read by primary key (still through `queryset`, so its
    organization and conditions hold)."""
    by_id = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
    return [by_id[i] for i in ids if i in by_id]


class PageReading:
    """How a search page is best read, as the selector knows it (patients.selectors.page_reading)."""

    ROWS = "rows"  # the page's rows and one more, at once (an index lookup: phone, card, date, email)
    IDS = "ids"  # ids first (an index-only walk newest first), then those rows by primary key
    IDS_COUNTED = "ids counted"  # ids with the count of every match, read once anyway; then the rows


class EstimatedCountPaginator(Paginator):
    """`reading` (PageReading): how the API search reads a page it has not counted yet."""

    exact_below = EXACT_BELOW
    is_estimate = False

    def __init__(self, *args, reading: str = PageReading.ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading = reading

    @cached_property
    def count(self):
        queryset = self.object_list
        estimate = planner_estimate(queryset)
        if estimate is None:
            return super().count
        if estimate < self.exact_below:
            counted = queryset.order_by()[: self.exact_below + 1].count()
            if counted <= self.exact_below:
                return counted
            estimate = max(estimate, counted)
        self.is_estimate = True
        return estimate

    def page(self, number):
        # Always ask for a full page. Django's Paginator shortens the last page's LIMIT to the count;
        # for a search with a handful of matches, a LIMIT that small makes PostgreSQL walk the
        # created-date index through the whole organization instead of using the search's indexes.
        if "count" in self.__dict__:  # counted already (the admin asks for the count first)
            number = self.validate_number(number)
            bottom = (number - 1) * self.per_page
            return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)
        # Not counted yet (the API search): read the page and one row more first. A page that is not
        # full holds the last matches, so the count is known exactly without asking (most searches by
        # phone, card or email): no EXPLAIN, no COUNT. Only a full page needs the count.
        number = self.page_number(number)
        bottom = (number - 1) * self.per_page
        if self.reading == PageReading.IDS_COUNTED and bottom + self.per_page <= self.exact_below:
            return self._page_counted_with_it(number, bottom)
        if self.reading == PageReading.ROWS:
            rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        else:
            rows = rows_by_id(self.object_list, ids_in_order(self.object_list, self.per_page + 1, bottom))
        if len(rows) <= self.per_page and (rows or number == 1):
            self.__dict__["count"] = bottom + len(rows)
        return self._get_page(rows[: self.per_page], self.validate_number(number), self)

    def page_number(self, number) -> int:
        """Django's checks of a page number that need no count: an integer, at least 1."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def _page_counted_with_it(self, number, bottom):
        """One statement reads the matches' ids in order, up to the exact-count cap, and returns the
        page's ids with how many there were; a second reads the page's rows by primary key. The
        matches are then read once, where the page, the estimate and the capped count read them twice."""
        found = ids_with_match_count(self.object_list, self.per_page, bottom, up_to=self.exact_below + 1)
        matches = found[0][1] if found else None
        if matches is None and number > 1:
            matches = self.object_list.order_by()[: self.exact_below + 1].count()  # past the last page: how far?
        if matches is None or matches <= self.exact_below:
            self.__dict__["count"] = matches or 0
        # else: more than the cap; `count` estimates as for any other page when asked
        rows = rows_by_id(self.object_list, [i for i, _ in found])
        return self._get_page(rows, self.validate_number(number), self)
