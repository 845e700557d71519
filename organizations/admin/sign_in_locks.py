"""Staff sign-in locks: who failed to sign in, from where, and "Unlock" for organization admins.

An organization admin sees the failures of the usernames of their organizations' people; a
superuser sees every record, also those of addresses trying usernames that do not exist.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from organizations.admin.scoping import ALL, admin_organization_ids, is_organization_admin
from organizations.models import StaffSignInFailures
from organizations.sign_in_limits import unlock_staff_sign_in


@admin.register(StaffSignInFailures)
class StaffSignInFailuresAdmin(admin.ModelAdmin):
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    fields = readonly_fields = ["username", "ip_address", "user_agent", "failures_since_start", "attempt_time"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    actions = ["unlock_selected"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = admin_organization_ids(request)
        if ids is ALL:
            return queryset
        usernames = get_user_model().objects.filter(memberships__organization__in=ids).values("username")
        return queryset.filter(username__in=usernames)

    def has_module_permission(self, request):
        return is_organization_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_organization_admin(request) and (obj is None or self.get_queryset(request).filter(pk=obj.pk).exists())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # The action is the only way in: deleting (which it does) is not offered as such.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Unlock selected sign-ins", permissions=["view"])
    def unlock_selected(self, request, queryset):
        usernames = sorted({username for username in queryset.values_list("username", flat=True) if username})
        for username in usernames:
            unlock_staff_sign_in(username=username)
        if request.user.is_superuser:
            # Records of addresses trying unknown usernames: only the platform operator sees them.
            queryset.filter(username__isnull=True).delete()
        self.message_user(request, f"Unlocked: {', '.join(usernames) or 'the selected addresses'}.", messages.SUCCESS)
