"""The admin door: "Merge into…" on the patients changelist and the same compare page, "Undo merge"
on a merged record, archive/restore actions, and the organization admins' duplicates worklist.
The services decide; these only report."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.admin.scoping import OrganizationScopedAdmin
from patients.access_log import AccessAction, record_accesses
from patients.actors import Actor
from patients.errors import PatientRuleError
from patients.merging.archiving import archive_patient, restore_patient
from patients.merging.models import DuplicatePair
from patients.merging.selectors import card_conflict, compare_records, open_merge_of
from patients.merging.services import default_survivor, merge_patients, unmerge_patient
from patients.merging.views import chosen_keep
from patients.merging.worklist import dismiss_pair, open_pairs
from patients.models import Channel
from patients.pagination import EstimatedCountPaginator


def _actor(request):
    return Actor.for_user(request.user, Channel.ADMIN)


def merge_url(first, second) -> str:
    survivor = default_survivor(first, second)
    merged = second if survivor is first else first
    return reverse("admin:patients_patient_merge_into", args=[merged.pk, survivor.pk])


class MergeAdminMixin:
    """For PatientAdmin."""

    merge_template = "admin/patients/patient/merge_into.html"

    def get_urls(self):
        urls = [
            path("<path:object_id>/merge-into/<path:into_id>/", self.admin_site.admin_view(self.merge_into_view),
                 name="patients_patient_merge_into"),
            path("<path:object_id>/unmerge/", self.admin_site.admin_view(self.unmerge_view),
                 name="patients_patient_unmerge"),
        ]
        return urls + super().get_urls()

    @admin.action(description=gettext_lazy("Merge into… (select the two records of one person)"),
                  permissions=["change"])
    def merge_selected(self, request, queryset):
        chosen = list(queryset[:3])
        if len(chosen) != 2:
            messages.warning(request, _("Select exactly two records of the same person to merge."))
            return None
        return HttpResponseRedirect(merge_url(*chosen))

    @admin.action(description=gettext_lazy("Archive selected patients"), permissions=["change"])
    def archive_selected(self, request, queryset):
        self._each(request, queryset, archive_patient, _("Archived: %(patients)s."))

    @admin.action(description=gettext_lazy("Restore selected patients"), permissions=["change"])
    def restore_selected(self, request, queryset):
        self._each(request, queryset, restore_patient, _("Restored: %(patients)s."))

    def _each(self, request, queryset, service, done):
        changed = []
        for patient in queryset.order_by("created_at"):
            try:
                changed.append(service(patient, actor=_actor(request), request=request))
            except PatientRuleError as exc:
                messages.warning(request, f"{patient}: {exc.message}")
        if changed:
            messages.success(request, done % {"patients": ", ".join(str(p) for p in changed)})

    def merge_into_view(self, request, object_id, into_id):
        merged = self.get_object(request, unquote(object_id))  # 404 outside the user's organizations
        survivor = self.get_object(request, unquote(into_id))
        if not self.has_change_permission(request, merged) or not self.has_change_permission(request, survivor):
            raise PermissionDenied
        rows = compare_records(merged, survivor)
        if request.method == "POST":
            try:
                merge_patients(merged=merged, survivor=survivor, keep=chosen_keep(request.POST, rows),
                               reason=request.POST.get("reason", "")[:500], actor=_actor(request), request=request)
            except PatientRuleError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(merged)s was merged into %(survivor)s.")
                                 % {"merged": merged, "survivor": survivor})
                return HttpResponseRedirect(reverse("admin:patients_patient_change", args=[survivor.pk]))
        else:
            record_accesses(actor=_actor(request), patients=[merged, survivor], action=AccessAction.VIEW,
                            request=request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Same person? %(merged)s and %(survivor)s") % {"merged": merged, "survivor": survivor},
            "opts": self.opts, "merged": merged, "survivor": survivor, "rows": rows,
            "card_conflict": card_conflict(merged, survivor), "reason": request.POST.get("reason", ""),
            "swap_url": reverse("admin:patients_patient_merge_into", args=[survivor.pk, merged.pk]),
        }
        return TemplateResponse(request, self.merge_template, context, status=409 if request.method == "POST" else 200)

    def unmerge_view(self, request, object_id):
        patient = self.get_object(request, unquote(object_id))
        if request.method != "POST" or not self.has_change_permission(request, patient):
            raise PermissionDenied
        try:
            record = unmerge_patient(patient, actor=_actor(request), request=request)
        except PatientRuleError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The merge was undone: %(merged)s and %(survivor)s are two records again.")
                             % {"merged": record.merged, "survivor": record.survivor})
            if record.kept_later_edits:
                messages.warning(request, _("Changed after the merge, so kept as they are: %(fields)s.")
                                 % {"fields": ", ".join(record.kept_later_edits)})
        return HttpResponseRedirect(reverse("admin:patients_patient_change", args=[patient.pk]))

    def merge_context(self, obj) -> dict:
        """For the change page: a merged record's banner (survivor link, "Undo merge")."""
        merge = open_merge_of(obj) if obj is not None else None
        return {"merge": merge, "unmerge_url": reverse("admin:patients_patient_unmerge", args=[obj.pk])
                if merge else None}


@admin.register(DuplicatePair)
class DuplicatePairAdmin(OrganizationScopedAdmin):
    """The duplicates worklist: pairs the rules say are probably one person, newest first."""

    list_display = ["first", "second", "why", "found_at", "merge"]
    list_display_links = None
    list_filter = ["organization"]
    actions = ["not_the_same_person"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def get_queryset(self, request):
        return open_pairs(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)  # a list with actions, no edit form

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("record"))
    def first(self, pair):
        return self._link(pair.patient_a)

    @admin.display(description=gettext_lazy("record"))
    def second(self, pair):
        return self._link(pair.patient_b)

    def _link(self, patient):
        return format_html('<a href="{}">{}</a> ({})', reverse("admin:patients_patient_change", args=[patient.pk]),
                           patient, patient.get_status_display())

    @admin.display(description=gettext_lazy("why"))
    def why(self, pair):
        return ", ".join(pair.reasons)

    @admin.display(description=gettext_lazy("merge"))
    def merge(self, pair):
        return format_html('<a class="button" href="{}">{}</a>', merge_url(pair.patient_a, pair.patient_b),
                           _("Merge"))

    @admin.action(description=gettext_lazy("Not the same person"), permissions=["change"])
    def not_the_same_person(self, request, queryset):
        pairs = list(queryset)
        for pair in pairs:
            dismiss_pair(pair, actor=_actor(request))
        messages.success(request, _("%(count)d pairs will not be offered again.") % {"count": len(pairs)})
