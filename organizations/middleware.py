"""Sets `request.organization`: the organization a signed-in staff member is working in."""

from django.utils.functional import SimpleLazyObject

from organizations.selectors import organizations_for_user, with_role_of

SESSION_KEY = "organization_id"
# Set when the staff member picked from several organizations: the header then offers to switch.
SEVERAL_KEY = "organization_choice"


def current_organization(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    # With the user's role in it (`viewer_role`), so that pages can tell an admin without a query.
    allowed = with_role_of(organizations_for_user(user), user)
    if chosen:
        organization = allowed.filter(pk=chosen).first()
        if organization is not None:
            return organization
    # Exactly one organization: no need to pick.
    only = list(allowed[:2])
    return only[0] if len(only) == 1 else None


class CurrentOrganizationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = SimpleLazyObject(lambda: current_organization(request))
        return self.get_response(request)
