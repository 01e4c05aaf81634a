"""Workspaces: who may see and change which models (memberships, roles, API tokens)."""
