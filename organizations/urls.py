from django.urls import path

from organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.choose_organization, name="choose"),
]
