"""Who is acting: a signed-in person or an API token (never both)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .models import ApiToken


@dataclass(frozen=True, slots=True)
class Principal:
    """Set as ``request.auth`` by ``WorkbenchAuth``; services take it as ``actor``."""

    user: User | None = None
    token: ApiToken | None = None

    @property
    def label(self) -> str:
        """How revisions and events name the author: ``ada`` or ``token:ci``."""
        if self.token is not None:
            return f"token:{self.token.name}"
        return self.user.get_username() if self.user is not None else "system"

    @property
    def is_token(self) -> bool:
        return self.token is not None
