"""Who may open a front-desk page: a signed-in staff member working in one of their organizations."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from organizations.models import Membership
from organizations.selectors import organizations_for_user
from patients.actors import Actor
from patients.models import Channel


def frontdesk_view(view):
    """Sign-in first; then `request.organization` must be set (a Membership, or a superuser).

    Patients' own credentials are not Users, so they can never get past this. Pages are never
    cached: after signing out, Back shows no patient, and a form page comes back with a new token.
    """

    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_active:
            return redirect_to_login(request.get_full_path())
        if not request.organization:
            if organizations_for_user(request.user).exists():
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('organizations:choose')}?{query}")
            return render(request, "frontdesk/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@frontdesk_view
def home(request):
    return redirect("frontdesk:patient_list")


def desk_actor(request) -> Actor:
    """The signed-in staff member, at the front desk."""
    return Actor.for_user(request.user, Channel.INTAKE)


def is_organization_admin(request) -> bool:
    """An admin of the organization being worked in (its role comes with it: no query)."""
    return getattr(request.organization, "viewer_role", None) == Membership.Role.ADMIN
