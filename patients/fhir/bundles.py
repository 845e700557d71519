"""Searchset bundles: one page of patients, `total` and the paging links.

`total` is never wrong: it is exact when the page itself shows where the results end, else
counted up to EXACT_TOTAL_UP_TO matches, and left out beyond that (or with `_total=none`);
`_total=accurate` always counts. On PostgreSQL a full page first asks the planner (as the v1 API's
pagination does): when it expects more than EXACT_TOTAL_UP_TO matches, total is left out without
counting, which spares a name search reading a thousand matches on every page.

A list's resources are built by the mapping (tests parse every shape with fhir.resources) and sent
without validating each one again: that cost more than the rest of a search page.
"""

from urllib.parse import urlencode

from patients.fhir.details import load_shown
from patients.fhir.mapping import patient_json
from patients.models import health_card_of
from patients.pagination import planner_estimate

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
    ordered = queryset.order_by("-created_at", "-id")
    rows = list(patients_for_answer(ordered)[search.offset: search.offset + search.count + 1]) if search.count else []
    has_next = len(rows) > search.count
    rows = rows[: search.count]
    load_shown(rows, using=queryset.db)
    total = None
    if search.total == "none":
        pass
    elif search.count and not has_next and (rows or search.offset == 0):
        total = search.offset + len(rows)  # the results end on this page
    elif search.total == "accurate":
        total = queryset.order_by().count()
    else:
        total = capped_total(queryset.order_by())
    if search.count == 0 and total is not None:
        has_next = False
    return rows, total, has_next


def capped_total(matches) -> int | None:
    """How many `matches` there are when at most EXACT_TOTAL_UP_TO, else None."""
    estimate = planner_estimate(matches)
    if estimate is not None and estimate > EXACT_TOTAL_UP_TO:
        return None
    counted = matches[: EXACT_TOTAL_UP_TO + 1].count()
    return counted if counted <= EXACT_TOTAL_UP_TO else None


def bundle(data: dict, entries: list) -> dict:
    """A Bundle (JSON data) of `entries`, whose resources are JSON data."""
    return {**data, "entry": entries}


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
