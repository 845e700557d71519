"""CSV import from the admin: upload, a dry-run preview with every row's errors, then confirm
(all or nothing) or cancel (nothing). The checks and the writing are patients/importing.py's,
the same the `import_patients` command runs."""

import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from organizations.admin.scoping import organizations_for_admin
from patients.forms_admin import ImportUploadForm
from patients.importing import COLUMNS, import_actor, import_patients

SESSION_KEY = "patient_imports"
KEEP_UPLOADS_FOR = 24 * 60 * 60
SHOWN_ERRORS = 500


def upload_dir() -> Path:
    base = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None) or tempfile.gettempdir()
    directory = Path(base) / "patient-imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _forget_old_uploads(directory: Path):
    cutoff = time.time() - KEEP_UPLOADS_FOR
    for old in directory.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


class PatientImportMixin:
    import_template = "admin/patients/patient/import.html"

    def get_urls(self):
        urls = [path("import/", self.admin_site.admin_view(self.import_view), name="patients_patient_import")]
        return urls + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        organizations = organizations_for_admin(request)
        pending = request.session.get(SESSION_KEY, {})
        token = request.POST.get("token", "")
        if request.method == "POST" and token:
            stored = pending.get(token)
            if stored is not None and not (upload_dir() / f"{token}.csv").exists():
                self._discard(request, token)  # removed after KEEP_UPLOADS_FOR by a later upload
                stored = None
            if stored is None:
                messages.error(request, _("This import is no longer waiting for confirmation; upload the file again."))
                return HttpResponseRedirect(reverse("admin:patients_patient_import"))
            if "confirm" not in request.POST:
                self._discard(request, token)
                messages.info(request, _("Import cancelled: nothing was imported."))
                return HttpResponseRedirect(reverse("admin:patients_patient_changelist"))
            organization = organizations.filter(pk=stored["organization"]).first()
            if organization is None:
                raise PermissionDenied
            report = self._run(request, organization, token, stored, dry_run=False)
            self._discard(request, token)
            if report.ok:
                messages.success(request, _("Imported %(count)s patients into %(organization)s.") % {
                    "count": report.imported, "organization": organization})
                changelist = reverse("admin:patients_patient_changelist")
                return HttpResponseRedirect(f"{changelist}?organization={organization.pk}")
            return self._render(request, form=None, report=report, organization=organization, stored=stored)

        form = ImportUploadForm(request.POST or None, request.FILES or None, organizations=organizations)
        if request.method == "POST" and form.is_valid():
            organization = form.cleaned_data["organization"]
            token = secrets.token_urlsafe(16)
            directory = upload_dir()
            _forget_old_uploads(directory)
            with open(directory / f"{token}.csv", "wb") as saved:
                for chunk in form.cleaned_data["file"].chunks():
                    saved.write(chunk)
            stored = {
                "organization": str(organization.pk), "name": form.cleaned_data["file"].name,
                "allow_possible_duplicates": form.cleaned_data["allow_possible_duplicates"],
            }
            report = self._run(request, organization, token, stored, dry_run=True)
            if report.ok:
                pending[token] = stored
                request.session[SESSION_KEY] = pending
            else:
                (directory / f"{token}.csv").unlink(missing_ok=True)
                token = ""
            return self._render(request, form=None, report=report, organization=organization, stored=stored,
                                token=token)
        return self._render(request, form=form)

    def _run(self, request, organization, token, stored, *, dry_run):
        with open(upload_dir() / f"{token}.csv", encoding="utf-8-sig", newline="") as lines:
            return import_patients(
                organization, lines, actor=import_actor(request.user), dry_run=dry_run,
                allow_possible_duplicates=stored["allow_possible_duplicates"], source_name=stored["name"],
            )

    def _discard(self, request, token):
        pending = request.session.get(SESSION_KEY, {})
        pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        (upload_dir() / f"{token}.csv").unlink(missing_ok=True)

    def _render(self, request, *, form, report=None, organization=None, stored=None, token=""):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import patients from a CSV file"),
            "opts": self.opts,
            "form": form,
            "report": report,
            "shown_errors": report.errors[:SHOWN_ERRORS] if report else [],
            "more_errors": max(report.error_count - SHOWN_ERRORS, 0) if report else 0,
            "organization": organization,
            "file_name": stored["name"] if stored else "",
            "token": token,
            "columns": COLUMNS,
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.import_template, context)
