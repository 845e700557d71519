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


class EstimatedCountPaginator(Paginator):
    exact_below = EXACT_BELOW
    is_estimate = False

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
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
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
