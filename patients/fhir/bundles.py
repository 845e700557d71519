"""Searchset bundles: one page of patients, `total` and the paging links.

`total` is never wrong: it is exact when the page itself shows where the results end, else
counted up to EXACT_TOTAL_UP_TO matches, and left out beyond that (or with `_total=none`);
`_total=accurate` always counts.
"""

from urllib.parse import urlencode

from django.db.models import Prefetch
from fhir.resources.R4B.bundle import Bundle

from patients.fhir.mapping import Rendered, patient_resource
from patients.fhir.versions import current_versions
from patients.models import Patient, health_card_of

EXACT_TOTAL_UP_TO = 1_000


def patients_for_answer(queryset):
    """What a resource shows, read with the patients: card, providers, verifications, merged records."""
    merged = Prefetch("merged_records", queryset=Patient.objects.only("id", "merged_into_id").order_by("created_at"))
    return queryset.select_related("health_card").prefetch_related("providers", "verifications", merged)


def resources_for(patients, organization, versions=None, *, listed=True) -> list:
    """The FHIR Patients of `patients` (loaded with patients_for_answer), at their current
    `versions` (read when not given). `listed` (a search or $match page): health card numbers
    masked to their last four characters; one record read alone shows the full number."""
    versions = versions or current_versions(patients)
    resources = []
    for patient in patients:
        patient.organization = organization  # the caller's: spares a query per row
        resources.append(patient_resource(
            patient, versions[patient.pk], health_card=health_card_of(patient),
            providers=list(patient.providers.all()),
            verifications={ver.channel: ver.status for ver in patient.verifications.all()},
            replaces=[merged.pk for merged in patient.merged_records.all()], mask_health_card=listed,
        ))
    return resources


def page_of(queryset, search) -> tuple[list, int | None, bool]:
    """(patients on the page, total or None, whether there is a next page)."""
    ordered = queryset.order_by("-created_at", "-id")
    rows = list(patients_for_answer(ordered)[search.offset: search.offset + search.count + 1]) if search.count else []
    has_next = len(rows) > search.count
    rows = rows[: search.count]
    total = None
    if search.total == "none":
        pass
    elif search.count and not has_next and (rows or search.offset == 0):
        total = search.offset + len(rows)  # the results end on this page
    elif search.total == "accurate":
        total = queryset.order_by().count()
    else:
        counted = queryset.order_by()[: EXACT_TOTAL_UP_TO + 1].count()
        total = counted if counted <= EXACT_TOTAL_UP_TO else None
    if search.count == 0 and total is not None:
        has_next = False
    return rows, total, has_next


def bundle(data: dict, entries: list) -> Rendered:
    """A Bundle whose entries' resources are Rendered: the envelope is validated with the resources'
    models (validated already, so not again) and sent with their data."""
    model = Bundle.model_validate({**data, "entry": [{**e, "resource": e["resource"].model} for e in entries]})
    return Rendered(model, {**data, "entry": [{**e, "resource": e["resource"].data} for e in entries]})


def searchset(request, search, patients, resources, total, has_next, *, base_url) -> Rendered:
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
