"""Choosing the organization a staff member works in (for staff of several clinics)."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from organizations.middleware import SESSION_KEY, SEVERAL_KEY
from organizations.selectors import organizations_for_user


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@login_required
def choose_organization(request):
    organizations = organizations_for_user(request.user).order_by("name")
    if request.method == "POST":
        try:
            chosen_id = uuid.UUID(request.POST.get("organization", ""))
        except ValueError as exc:
            raise Http404("Not found.") from exc
        chosen = organizations.filter(pk=chosen_id).first()
        if chosen is None:
            raise Http404("Not found.")
        request.session[SESSION_KEY] = str(chosen.pk)
        request.session[SEVERAL_KEY] = True
        return redirect(_next_url(request) or "frontdesk:home")
    choices = list(organizations)
    return render(request, "organizations/choose.html", {
        "organizations": choices, "next": _next_url(request),
    }, status=200 if choices else 403)
