"""Searchset bundles: one page of patients, `total` and the paging links.

`total` is never wrong: it is exact when the page itself shows where the results end, else
counted up to EXACT_TOTAL_UP_TO matches, and left out beyond that (or with `_total=none`);
`_total=accurate` always counts. On PostgreSQL a full page first asks the planner (as the v1 API's
pagination does): when it expects more than EXACT_TOTAL_UP_TO matches, total is left out without
counting, which spares a name search reading a thousand matches on every page. A page is read as
its search is found (Search.page_reading, as the v1 API's): a search that reads every match anyway
is counted in that same read; one-word names read their ids first, then the rows by id.

A list's resources are built by the mapping (tests parse every shape with fhir.resources) and sent
without validating each one again: that cost more than the rest of a search page.
"""

from urllib.parse import urlencode

from patients.fhir.details import load_shown
from patients.fhir.mapping import patient_json
from patients.models import health_card_of
from patients.pagination import PageReading, ids_with_match_count, planner_estimate, rows_by_id

EXACT_TOTAL_UP_TO = 1_000


def patients_for_answer(queryset):
    """The patients with their health card; what else a resource shows is read by `load_shown`."""
    return queryset.select_related("health_card")


def resources_for(patients, organization, *, listed=True) -> list[dict]:
    """The FHIR Patients (JSON data) of `patients`, loaded with patients_for_answer and load_shown.
    `listed` (a search or $match page): health card numbers masked to their last four characters;
    one record read alone shows the full number."""
    resources = []
    for patient in patients:
        patient.organization = organization  # the caller's: spares a query per row
        shown = patient.shown
        resources.append(patient_json(
            patient, shown.version, health_card=health_card_of(patient), providers=shown.providers,
            verifications=shown.verifications, replaces=shown.replaces, mask_health_card=listed,
        ))
    return resources


def page_of(queryset, search) -> tuple[list, int | None, bool]:
    """(patients on the page, total or None, whether there is a next page)."""
    ordered = patients_for_answer(queryset.order_by("-created_at", "-id"))
    matches = None  # how many there are, up to EXACT_TOTAL_UP_TO + 1, when read with the page
    reading = search.page_reading
    if not search.count:
        rows = []
    elif (reading == PageReading.IDS_COUNTED and search.total != "accurate"
          and search.offset + search.count <= EXACT_TOTAL_UP_TO):
        rows, matches = _page_with_matches(ordered, search)
    elif reading == PageReading.IDS:
        ids = ordered.values_list("pk", flat=True)[search.offset: search.offset + search.count + 1]
        rows = rows_by_id(ordered, list(ids))
    else:
        rows = list(ordered[search.offset: search.offset + search.count + 1])
    has_next = len(rows) > search.count
    rows = rows[: search.count]
    load_shown(rows, using=queryset.db)
    total = None
    if search.total == "none":
        pass
    elif search.count and not has_next and (rows or search.offset == 0):
        total = search.offset + len(rows)  # the results end on this page
    elif matches is not None:
        total = matches if matches <= EXACT_TOTAL_UP_TO else None
    elif search.total == "accurate":
        total = queryset.order_by().count()
    else:
        total = capped_total(queryset.order_by())
    if search.count == 0 and total is not None:
        has_next = False
    return rows, total, has_next


def _page_with_matches(ordered, search) -> tuple[list, int | None]:
    """The page (and one row more) with how many matches there are, up to EXACT_TOTAL_UP_TO + 1
    (None past the last one), from one read of the matches' ids in order; then the rows by id."""
    found = ids_with_match_count(ordered, search.count + 1, search.offset, up_to=EXACT_TOTAL_UP_TO + 1)
    if not found:
        return [], None
    return rows_by_id(ordered, [i for i, _ in found]), found[0][1]


def capped_total(matches) -> int | None:
    """How many `matches` there are when at most EXACT_TOTAL_UP_TO, else None."""
    estimate = planner_estimate(matches)
    if estimate is not None and estimate > EXACT_TOTAL_UP_TO:
        return None
    counted = matches[: EXACT_TOTAL_UP_TO + 1].count()
    return counted if counted <= EXACT_TOTAL_UP_TO else None


def bundle(data: dict, entries: list) -> dict:
    """A Bundle (JSON data) of `entries`, whose resources are JSON data. No entries: no `entry` at all
    (FHIR's JSON has no empty arrays)."""
    return {**data, "entry": entries} if entries else dict(data)


def searchset(request, search, patients, resources, total, has_next, *, base_url) -> dict:
    """The Bundle for one page: `resources` are the page's FHIR Patients."""
    path = request.build_absolute_uri(request.path)

    def link(relation, offset):
        params = [*search.used, ("_count", str(search.count)), ("_offset", str(offset))]
        return {"relation": relation, "url": f"{path}?{urlencode(params)}"}

    links = [link("self", search.offset)]
    if has_next:
        links.append(link("next", search.offset + search.count))
    if search.offset > 0:
        links.append(link("previous", max(search.offset - search.count, 0)))
    data = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if total is not None:
        data["total"] = total
    return bundle(data, [{"fullUrl": f"{base_url}Patient/{p.pk}", "resource": r, "search": {"mode": "match"}}
                         for p, r in zip(patients, resources, strict=True)])
