"""API keys: issue (the raw key is shown once), name, expire, revoke; see when each was last used."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from organizations.admin.scoping import OrganizationScopedAdmin
from organizations.models import ApiKey
from organizations.services import issue_api_key, revoke_api_key


class KeyStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("usable", _("Usable")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "usable":
            return queryset.usable(now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(OrganizationScopedAdmin):
    list_display = ["name", "organization", "masked_key", "state", "created_at", "expires_at", "last_used_at"]
    list_filter = ["organization", KeyStateFilter]
    list_select_related = ["organization"]
    search_fields = ["name", "prefix"]
    actions = ["revoke_selected"]
    superuser_only_delete = True  # revoking keeps the key's name in the history of what it changed

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "name", "expires_at"]
        return ["organization", "name", "masked_key", "state", "expires_at", "created_at", "created_by",
                "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["organization", "masked_key", "state", "created_at", "created_by", "last_used_at", "revoked_at"]

    @admin.display(description=_("key"))
    def masked_key(self, key):
        return format_html("<code>pik_{}…</code>", key.prefix)

    @admin.display(description=_("state"))
    def state(self, key):
        if key.revoked_at is not None:
            return _("Revoked")
        if key.expires_at is not None and key.expires_at <= timezone.now():
            return _("Expired")
        return _("Usable")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = issue_api_key(obj.organization, name=obj.name, expires_at=obj.expires_at, created_by=request.user)
        # The admin goes on with `obj` (log entry, redirect): make it the issued key.
        obj.__dict__.update({f.attname: getattr(key, f.attname) for f in key._meta.concrete_fields})
        obj._state = key._state
        messages.warning(
            request,
            format_html(
                _("Copy the new API key now, it will not be shown again: <code class=\"new-api-key\">{}</code>"), raw
            ),
        )

    @admin.action(description=_("Revoke selected API keys"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            revoke_api_key(key)
            revoked += 1
        self.message_user(request, _("Revoked %(count)s API key(s).") % {"count": revoked}, messages.SUCCESS)
