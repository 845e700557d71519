from django.utils.functional import SimpleLazyObject

from organizations.middleware import SEVERAL_KEY
from organizations.models import Membership


def current_organization(request):
    organization = getattr(request, "organization", None)
    session = getattr(request, "session", None)
    return {
        # Unwrap the lazy object so templates can test it for None.
        "current_organization": organization if organization else None,
        "can_switch_organization": bool(session is not None and session.get(SEVERAL_KEY)),
        # No query: CurrentOrganizationMiddleware loads the role with the organization.
        "shows_admin_link": SimpleLazyObject(lambda: _administers(request, organization)),
        # The admin's header: the clinic of the object on the page (set by the scoped admins), else the current one.
        "admin_organization": getattr(request, "object_organization", None) or (organization if organization else None),
    }


def _administers(request, organization) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff or not organization:
        return False
    return getattr(organization, "viewer_role", None) == Membership.Role.ADMIN

