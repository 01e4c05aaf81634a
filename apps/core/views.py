from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Placeholder landing page; apps.workspaces replaces it with the workspace list
    by pointing the "home" URL in workbench/urls.py at its own view."""
    return render(request, "core/home.html")
