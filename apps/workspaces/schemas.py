from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class WorkspaceIn(Schema):
    name: str = Field(min_length=1, max_length=200)


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    created: datetime
    role: str  # the caller's role in it


class MemberIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    role: str = Field(pattern="^(owner|editor|viewer)$")


class MemberPatch(Schema):
    role: str = Field(pattern="^(owner|editor|viewer)$")


class MemberOut(Schema):
    username: str
    role: str
    created: datetime


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(default="viewer", pattern="^(editor|viewer)$")


class TokenOut(Schema):
    id: int
    name: str
    role: str
    prefix: str
    created: datetime
    created_by: str | None
    last_used: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The full token. Shown once: store it now.")


class ErrorOut(Schema):
    detail: str
