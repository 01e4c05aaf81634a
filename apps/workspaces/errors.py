"""Errors that both ninja operations and plain Django views turn into the right status."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja.errors import HttpError


class AccessDenied(HttpError, PermissionDenied):
    """403: known to the workspace, but the role is too low. Ninja answers it as an HttpError
    (``{"detail": ...}``); Django views as a PermissionDenied."""

    def __init__(self, message: str):
        super().__init__(403, message)


class Conflict(Exception):
    """A write that contradicts the current state (409), e.g. removing the last owner."""

    def __init__(self, message: str, **extra: object):
        super().__init__(message)
        self.message = message
        self.extra = extra
