"""API routes of merging and archiving (mounted under /api/)."""

from django.urls import path

from patients.merging import api

urlpatterns = [
    path("v1/patients/<uuid:patient_id>/merge", api.MergeView.as_view(), name="api-v1-patient-merge"),
    path("v1/patients/<uuid:patient_id>/unmerge", api.UnmergeView.as_view(), name="api-v1-patient-unmerge"),
    path("v1/patients/<uuid:patient_id>/archive", api.ArchiveView.as_view(), name="api-v1-patient-archive"),
    path("v1/patients/<uuid:patient_id>/restore", api.RestoreView.as_view(), name="api-v1-patient-restore"),
]
