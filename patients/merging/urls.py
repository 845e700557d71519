"""Front-desk routes of merging and archiving (included in the front desk's `frontdesk` namespace)."""

from django.urls import path

from patients.merging import views

urlpatterns = [
    path("patients/<uuid:pk>/merge-into/<uuid:into>/", views.merge_into, name="merge_into"),
    path("patients/<uuid:pk>/unmerge/", views.unmerge, name="unmerge"),
    path("patients/<uuid:pk>/archive/", views.archive, name="archive"),
    path("patients/<uuid:pk>/restore/", views.restore, name="restore"),
]
