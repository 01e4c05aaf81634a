"""Forms of the workspace pages. Validation of the model itself stays in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.workspaces.models import TOKEN_ROLES, Role

SLUG_HELP = "Lowercase letters, digits and dashes, starting with a letter (e.g. shop)."


class WorkspaceForm(forms.Form):
    name = forms.CharField(max_length=200, label="Workspace name")


class ModelCreateForm(forms.Form):
    """An empty model (name, optional title), or an imported ``workbench/v1`` file."""

    name = forms.RegexField(
        regex=r"^[a-z][a-z0-9-]{0,62}$",
        max_length=63,
        required=False,
        help_text=SLUG_HELP + " Taken from the file when you import one.",
        error_messages={"invalid": SLUG_HELP},
    )
    title = forms.CharField(max_length=200, required=False)
    file = forms.FileField(
        required=False, label="Import a model file", help_text="workbench/v1 YAML or JSON"
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("file") and not data.get("name"):
            raise forms.ValidationError("Give the new model a name, or choose a file to import.")
        return data


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. ci-pipeline")
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in TOKEN_ROLES], initial=Role.VIEWER)
