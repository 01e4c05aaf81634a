"""Validation of every value that ends up in a non-YAML text file (nginx conf, Dockerfile, ...).

YAML and JSON are serialised from data, so they need no escaping. Text formats are generated
from constants plus values that pass the checks below; anything else is refused with the
element's pointer, never "escaped and hoped for".
"""

from __future__ import annotations

import html
import re

from exporters.errors import ExportError

SLUG = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
# A route path prefix as nginx and an Ingress get it: no spaces, quotes, braces, `;` or `$`.
ROUTE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]{0,200}$")
# An HTTP operation path; `{param}` placeholders allowed. Lands in JSON and a routes file.
OPERATION_PATH = re.compile(r"^/[A-Za-z0-9._~/{}:@+-]{0,300}$")
HTTP_METHOD = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$")
OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,100}$")
HEALTH_PATH = ROUTE_PATH


def slug(value: str, where: str) -> str:
    if not SLUG.fullmatch(value):
        raise ExportError([f"{where}: '{value}' is not a slug id"])
    return value


def check(pattern: re.Pattern[str], value: str, where: str, problems: list[str], what: str) -> bool:
    if pattern.fullmatch(value):
        return True
    problems.append(f"{where}: {what} {value!r} contains characters an export cannot carry safely")
    return False


def markdown_text(value: str) -> str:
    """Free text (titles, descriptions) for Markdown: one line, HTML and Markdown-escaped."""
    one_line = " ".join(value.split())
    escaped = html.escape(one_line, quote=True)
    return re.sub(r"([\\`*_\[\]#|!])", r"\\\1", escaped)


def env_key(prefix: str, element_id: str, suffix: str) -> str:
    """``SERVICE_PAYMENT_PROVIDER_URL`` from (SERVICE, payment-provider, URL)."""
    middle = element_id.upper().replace("-", "_")
    return "_".join(p for p in (prefix, middle, suffix) if p)
