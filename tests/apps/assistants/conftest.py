from tests.apps.workspaces.personas import world  # noqa: F401
