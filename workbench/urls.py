from django.contrib import admin
from django.urls import include, path

from apps.editor import views as editor_views
from workbench.api import api

urlpatterns = [
    # The landing page: the signed-in person's workspaces (apps.editor).
    path("", editor_views.workspace_list, name="home"),
    path("accounts/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("rules/", include("apps.rules.urls")),  # the rule catalog pages (apps.rules)
    path("imports/", include("apps.imports.urls")),  # import and drift pages (apps.imports)
    path("", include("apps.editor.urls")),  # workspaces and the model editor (apps.editor)
    # App page URLs are included here, e.g. path("w/", include("apps.workspaces.urls")).
]

# Under /api/ even an unmatched URL answers in the API's error shape (JSON), never an HTML page.
handler400 = "apps.core.http.bad_request"
handler404 = "apps.core.http.not_found"
handler500 = "apps.core.http.server_error_page"
