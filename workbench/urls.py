from django.contrib import admin
from django.urls import include, path

from apps.core import views as core_views
from workbench.api import api

urlpatterns = [
    # The landing page; apps.workspaces points this at its workspace list.
    path("", core_views.home, name="home"),
    path("accounts/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("rules/", include("apps.rules.urls")),  # the rule catalog pages (apps.rules)
    # App page URLs are included here, e.g. path("w/", include("apps.workspaces.urls")).
]
