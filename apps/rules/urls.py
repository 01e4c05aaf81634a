from django.urls import path

from . import views

app_name = "rules"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("<slug:rule_id>/", views.rule_detail, name="detail"),
]
