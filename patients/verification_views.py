"""Front-desk actions on a patient's contact verification: "Send code", "Enter code" (the code the
patient reads out) and "Verified in person". POST only; each answers by going back to the patient
page with a message (the rules and their messages are in patients/verification.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.scoping import get_for_organization_or_404
from patients import verification
from patients.actors import Actor
from patients.errors import PatientRuleError
from patients.models import Channel, Patient
from patients.phones import readable_destination
from patients.views.access import frontdesk_view
from patients.views.records import code_refused_page


def _act(request, pk, channel, action, *, refused=None):
    """Run `action`; its refusal becomes a message on the patient page, or `refused(patient, messages)`."""
    if channel not in verification.CHANNELS:
        raise Http404("Unknown channel.")
    patient = get_for_organization_or_404(Patient.objects.select_related("organization"), request.organization, pk=pk)
    try:
        success = action(patient, Actor.for_user(request.user, Channel.INTAKE))
    except PatientRuleError as exc:
        if refused is not None:
            return refused(patient, [problem for problems in exc.errors.values() for problem in problems])
        for problems in exc.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(reverse("frontdesk:patient_detail", args=[patient.pk]) + "#verification")


def _shown(patient, row) -> str:
    return readable_destination(row.channel, row.destination, patient.organization.default_phone_region)


@require_POST
@frontdesk_view
def send_code(request, pk, channel):
    def send(patient, actor):
        row = verification.start_verification(patient, channel, actor=actor)
        until = formats.time_format(timezone.localtime(row.code_expires_at))  # the clinic's zone (middleware)
        return _("A code was sent to %(destination)s. It works until %(time)s.") % {
            "destination": _shown(patient, row), "time": until,
        }

    return _act(request, pk, channel, send)


@require_POST
@frontdesk_view
def enter_code(request, pk, channel):
    def confirm(patient, actor):
        row = verification.confirm_verification(patient, channel, request.POST.get("code", ""), actor=actor)
        return _("%(destination)s is verified.") % {"destination": _shown(patient, row)}

    def said_at_the_code(patient, problems):
        # A wrong code is shown where it was typed, announced and focused (not a banner after a redirect).
        return code_refused_page(request, patient.pk, channel, problems)

    return _act(request, pk, channel, confirm, refused=said_at_the_code)


@require_POST
@frontdesk_view
def verified_in_person(request, pk, channel):
    def mark(patient, actor):
        row = verification.mark_verified_in_person(patient, channel, actor=actor)
        return _("%(destination)s is marked as verified in person.") % {"destination": _shown(patient, row)}

    return _act(request, pk, channel, mark)
