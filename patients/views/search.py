"""The patients list: search box, leads/active filter, pages without counting the whole table."""

from django.shortcuts import render

from config.replica import read_database
from patients.access_log import AccessAction, record_accesses
from patients.forms import SearchForm
from patients.selectors import date_readings, search_patients
from patients.views.access import desk_actor, frontdesk_view

PAGE_SIZE = 25
MAX_PAGE = 400  # deeper than this, a narrower search is the faster way to the patient
LIST_FIELDS = ("id", "organization", "status", "patient_number", "given_name", "family_name", "preferred_name",
               "full_name", "date_of_birth", "phone", "calling_code", "local_phone", "created_at")


def _page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


@frontdesk_view
def patient_list(request):
    form = SearchForm(request.GET or None)
    query, status = "", ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    page = _page_number(request.GET.get("page"))
    offset = (page - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page, without a COUNT(*).
    rows = list(search_patients(request.organization, query, status=status or None)
                .only(*LIST_FIELDS).using(read_database(request))[offset:offset + PAGE_SIZE + 1])
    params = {k: v for k, v in (("q", query), ("status", status)) if v}
    shown = rows[:PAGE_SIZE]
    record_accesses(actor=desk_actor(request), patients=shown, action=AccessAction.SEARCH, request=request)
    return render(request, "patients/list.html", {
        "form": form,
        "patients": shown,
        "query": query,
        "page": page,
        "has_previous": page > 1,
        "has_next": len(rows) > PAGE_SIZE and page < MAX_PAGE,
        "params": params,
        "searched": bool(query or status),
        "date_readings": date_readings(query),
    })
