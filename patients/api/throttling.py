"""Rate limits of the v1 API (rates: settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])."""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from patients.api.authentication import signed_in_patient
from patients.api.window_throttle import SlicedWindowThrottle
from patients.client_address import client_address


class _SettingsRates:
    def get_rate(self):
        # Read at request time (not at import) so an operator's or a test's setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_address(request)


class _SettingsRateThrottle(_SettingsRates, SimpleRateThrottle):
    pass


class SelfRegistrationThrottle(_SettingsRateThrottle):
    """Keyless registrations (patients registering themselves), per client address."""

    scope = "self_registration"

    def get_cache_key(self, request, view):
        if request.method != "POST" or getattr(request, "api_key", None) is not None:
            return None
        if request.user is not None and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiKeyThrottle(_SettingsRates, SlicedWindowThrottle):
    """Calls made with one API key (thousands an hour: counted per slice of the period, window_throttle.py)."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        api_key = getattr(request, "api_key", None)
        if api_key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": api_key.pk}


class AccountThrottle(_SettingsRates, ScopedRateThrottle):
    """The view's `throttle_scope`, counted per patient, API key or staff user, else per client address."""

    def get_cache_key(self, request, view):
        patient = signed_in_patient(request)
        api_key = getattr(request, "api_key", None)
        if patient is not None:
            ident = f"patient:{patient.pk}"
        elif api_key is not None:
            ident = f"key:{api_key.pk}"
        elif getattr(request.user, "is_authenticated", False):
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
