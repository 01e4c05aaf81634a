from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_page, name="import"),
    path("apply/", views.import_apply_page, name="apply"),
    path("create/", views.import_create_page, name="create"),
    path("drift/", views.drift_page, name="drift"),
]
