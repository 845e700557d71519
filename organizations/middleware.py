"""Sets `request.organization`: the organization a signed-in staff member is working in."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from organizations.selectors import organizations_for_user, with_role_of

SESSION_KEY = "organization_id"
# Set when the staff member picked from several organizations: the header then offers to switch.
SEVERAL_KEY = "organization_choice"
API_PREFIX = "/api/"


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


def chosen_language(request) -> str | None:
    """The language a staff member picked with the switcher (Django's `set_language` cookie), if any."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code and code in dict(settings.LANGUAGES):
        return code
    return None


class ClinicLocaleMiddleware:
    """The front desk and the admin in the clinic's time zone and language.

    Runs after CurrentOrganizationMiddleware. The staff member's own pick (the language switcher)
    wins over the organization's language; without an organization (the sign-in page) Django's
    LocaleMiddleware has already chosen from the browser's Accept-Language. The API is left alone:
    its messages follow Accept-Language, its times stay UTC, and it costs no query here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        organization = request.organization
        if organization and chosen_language(request) is None:
            translation.activate(organization.language)
            request.LANGUAGE_CODE = organization.language
        # Always an override, also without an organization: a zone a view activates (the admin, for
        # its object's clinic) ends with the request instead of leaking into the thread's next one.
        with timezone.override(organization.zone if organization else None):
            return self.get_response(request)
