"""The patients admin's reads, written to the access log, and its minimum-necessary display: the
changelist rows (`search`), the change page (`view`, its health card number behind "Show", each
reveal a `reveal`), a saved change (`change`) and each exported row (`export`)."""

from django import forms
from django.contrib.admin.utils import unquote
from django.http import Http404, JsonResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.forms import SelectableFieldsExportForm

from patients.access_log import AccessAction, record_access, record_accesses
from patients.actors import Actor
from patients.models import Channel, health_card_of

FULL_NUMBERS_DETAIL = "with full health card numbers"


def admin_actor(request) -> Actor:
    return Actor.for_user(request.user, Channel.ADMIN)


def log_duplicates_shown(request, matches):
    """Possible duplicates listed on a form are patients the admin sees: `search` events."""
    record_accesses(actor=admin_actor(request), patients=[m.patient for m in matches], action=AccessAction.SEARCH,
                    request=request)


class PatientExportForm(SelectableFieldsExportForm):
    full_card_numbers = forms.BooleanField(
        required=False, label=_("Include full health card numbers"),
        help_text=_("Otherwise only their last four digits (health_card_number_last4). Either way every "
                    "exported patient is written to the access log, with this choice."),
    )


class AccessLoggingMixin:
    export_form_class = PatientExportForm

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        if changelist is not None and request.method == "GET":
            # The page's rows (the template reads the same, now evaluated, list: no second query).
            record_accesses(actor=admin_actor(request), patients=changelist.result_list, action=AccessAction.SEARCH,
                            request=request)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            record_access(actor=admin_actor(request), patient=obj, action=AccessAction.VIEW, request=request)
        form = context.get("adminform") and context["adminform"].form
        # Written by changeform_view once its transaction is over (a form shown again is rolled back).
        request.duplicates_shown = getattr(form, "possible_duplicates", ())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def complete_registration_view(self, request, object_id):
        response = super().complete_registration_view(request, object_id)
        context = getattr(response, "context_data", None) or {}
        if request.method == "GET" and context.get("original") is not None:
            record_access(actor=admin_actor(request), patient=context["original"], action=AccessAction.VIEW,
                          request=request)
        log_duplicates_shown(request, context.get("possible_duplicates", ()))
        return response

    def log_change(self, request, obj, message):
        record_access(actor=admin_actor(request), patient=obj, action=AccessAction.CHANGE, request=request)
        return super().log_change(request, obj, message)

    def get_urls(self):
        reveal = self.admin_site.admin_view(require_POST(self.reveal_health_card))
        return [path("<path:object_id>/health-card/show/", reveal, name="patients_patient_reveal_health_card"),
                *super().get_urls()]

    def reveal_health_card(self, request, object_id):
        """"Show" on the change page: the full number, once, written to the access log."""
        patient = self.get_object(request, unquote(object_id))  # 404 outside the admin's organizations
        card = health_card_of(patient)
        if card is None or not self.has_view_permission(request, patient):
            raise Http404("No health card.")
        record_access(actor=admin_actor(request), patient=patient, action=AccessAction.REVEAL, request=request)
        return JsonResponse({"number": card.number})

    def get_data_for_export(self, request, queryset, **kwargs):
        form = kwargs.get("export_form")
        full = bool(form is not None and form.is_valid() and form.cleaned_data.get("full_card_numbers"))
        resource = self.choose_export_resource_class(form, request)(
            **self.get_export_resource_kwargs(request, **kwargs), full_card_numbers=full)
        data = resource.export(queryset=queryset, export_fields=self.get_export_resource_fields_from_form(form),
                               **kwargs)
        record_accesses(actor=admin_actor(request), patients=resource.exported, action=AccessAction.EXPORT,
                        request=request, detail=FULL_NUMBERS_DETAIL if full else "")
        return data
