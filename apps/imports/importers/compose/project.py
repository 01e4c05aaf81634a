"""A Compose project of several files, as ``docker compose -f a.yml -f b.yml`` sees it.

- **Variables** come from the env files given (``--env-file``; in the API an uploaded file
  named ``.env`` or ``*.env``); the machine's environment is never read. ``${X}``, ``${X:-d}``,
  ``${X-d}``, ``${X:+alt}`` and bare ``environment`` entries (``- FLAGD_HOST``) take their
  values from there, and every string of every file is interpolated before it is read.
- **Merging** follows the Compose specification's merge rules: later files override earlier
  ones; mappings merge key by key; ``environment``, ``labels``, ``extra_hosts``,
  ``depends_on``, ``networks`` and ``build.args`` merge as mappings even when written as lists;
  ``command``, ``entrypoint``, ``healthcheck.test`` and ``profiles`` are replaced; ``ports``,
  ``expose``, ``volumes`` and the other lists are appended without duplicates.
- Every merged mapping still knows, per key, the file and line it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..builder import Where
from ..reader import Doc, decode
from ..report import ImportReport
from ..sources import SourceFile

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
REPLACED = {"command", "entrypoint", "profiles", "test"}
AS_MAPPING = {"environment", "labels", "extra_hosts", "depends_on", "networks", "args"}


def is_env_file(name: str) -> bool:
    """``.env``, ``prod.env``, ``.env.override``: variables, not a compose file."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return base == ".env" or base.endswith(".env") or base.startswith(".env.")


def parse_env_file(source: SourceFile, env: dict[str, str], report: ImportReport) -> None:
    """``KEY=value`` lines (``export``, quotes and ``#`` comments allowed) into ``env``;
    a value may use variables defined above it."""
    text = decode(source.content, source.name)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _NAME.fullmatch(key):
            report.ignore(f"'{raw[:60]}' is not KEY=value; skipped", source.name, number)
            continue
        value = value.strip()
        if value[:1] in ("'", '"') and value.endswith(value[0]) and len(value) >= 2:
            quote, value = value[0], value[1:-1]
            if quote == "'":
                env[key] = value
                continue
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].rstrip()
        env[key] = substitute(value, env, None, Where(source.name, number))


def substitute(value: str, env: dict[str, str], report: ImportReport | None, where: Where) -> str:
    """Compose interpolation of one string with the project's variables."""
    if "$" not in value:
        return value

    def missing(text: str) -> str:
        if report is not None:
            report.guess(
                f"{text} is not set in the env files; left empty (the environment is never read)",
                where.file,
                where.line,
            )
        return ""

    def braced(inner: str, depth: int) -> str:
        if _NAME.fullmatch(inner):
            return env[inner] if inner in env else missing(f"${{{inner}}}")
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(:-|-|:\?|\?|:\+|\+)", inner)
        if m is None:
            return missing(f"${{{inner}}}")
        name, op = m.group(1), m.group(2)
        rest = inner[m.end() :]
        is_set, val = name in env, env.get(name, "")
        if op in (":-", "-"):
            use_default = not val if op == ":-" else not is_set
            return scan(rest, depth + 1) if use_default else val
        if op in (":+", "+"):
            use_alt = bool(val) if op == ":+" else is_set
            return scan(rest, depth + 1) if use_alt else ""
        return val if (val if op == ":?" else is_set) else missing(f"${{{inner}}}")

    def scan(text: str, depth: int) -> str:
        """``$$``, ``$NAME`` and ``${...}`` with nested defaults (``${A:-${B:-c}}``)."""
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch != "$" or depth > 10:
                out.append(ch)
                i += 1
                continue
            nxt = text[i + 1 : i + 2]
            if nxt == "$":
                out.append("$")
                i += 2
            elif nxt == "{":
                level, j = 1, i + 2
                while j < len(text) and level:
                    if text.startswith("${", j):
                        level += 1
                        j += 2
                        continue
                    if text[j] == "}":
                        level -= 1
                    j += 1
                if level:  # no closing brace: literal text
                    out.append(text[i:])
                    break
                out.append(braced(text[i + 2 : j - 1], depth))
                i = j
            else:
                m = _NAME.match(text, i + 1)
                if m is None:
                    out.append("$")
                    i += 1
                    continue
                plain = m.group(0)
                out.append(env[plain] if plain in env else missing(f"${plain}"))
                i = m.end()
        return "".join(out)

    return scan(value, 0)


@dataclass
class Located:
    """Where the containers of the merged project came from: ``id(container)`` → (file, line,
    per key or index: (file, line)). The merged containers are kept alive in ``keep``."""

    entries: dict[int, tuple[str, int | None, Any]] = field(default_factory=dict)
    keep: list[Any] = field(default_factory=list)

    def add_doc(self, doc: Doc) -> None:
        for ident, (line, keys) in doc.lines.items():
            if isinstance(keys, dict):
                per: Any = {k: (doc.file, v) for k, v in keys.items()}
            else:
                per = [(doc.file, v) for v in keys]
            self.entries[ident] = (doc.file, line, per)

    def where(self, obj: Any, key: Any = None) -> Where:
        entry = self.entries.get(id(obj))
        if entry is None:
            return Where()
        file, line, per = entry
        if key is None:
            return Where(file, line)
        if isinstance(per, dict) and key in per:
            return Where(*per[key])
        if isinstance(per, list) and isinstance(key, int) and 0 <= key < len(per):
            return Where(*per[key])
        return Where(file, line)

    def new(self, obj: Any, like: Any, per: Any) -> Any:
        entry = self.entries.get(id(like))
        file, line = (entry[0], entry[1]) if entry else (None, None)
        self.entries[id(obj)] = (file, line, per)  # type: ignore[assignment]
        self.keep.append(obj)
        return obj

    def per(self, obj: Any) -> Any:
        entry = self.entries.get(id(obj))
        return entry[2] if entry else None


def interpolate_tree(
    data: Any, env: dict[str, str], report: ImportReport, located: Located
) -> None:
    """Interpolate every string value (not keys) of a parsed compose file in place."""
    stack = [data]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if isinstance(value, str) and "$" in value:
                node[key] = substitute(value, env, report, located.where(node, key))
            elif isinstance(value, dict | list):
                stack.append(value)


def _as_mapping(value: Any, located: Located) -> dict[str, Any] | None:
    """A list form of environment/labels/depends_on/networks as a mapping (same lines)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, list):
        return None
    out: dict[str, Any] = {}
    per: dict[str, Any] = {}
    old = located.per(value) or []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            continue
        key, sep, val = item.partition("=") if "=" in item else item.partition(":")
        key = key.strip()
        out[key] = val if sep else None
        if i < len(old):
            per[key] = old[i]
    return located.new(out, value, per)


def merge(base: Any, over: Any, located: Located, key: str = "") -> Any:
    """``over`` merged onto ``base`` by the Compose rules (see the module docstring)."""
    if key in AS_MAPPING:
        mb, mo = _as_mapping(base, located), _as_mapping(over, located)
        if mb is not None and mo is not None:
            base, over = mb, mo
    if isinstance(base, dict) and isinstance(over, dict) and key not in REPLACED:
        out = dict(base)
        per = dict(located.per(base) or {})
        for k, v in over.items():
            out[k] = merge(base[k], v, located, str(k)) if k in base else v
            over_per = located.per(over) or {}
            if k in over_per:
                per[k] = over_per[k]
        return located.new(out, base, per)
    if isinstance(base, list) and isinstance(over, list) and key not in REPLACED:
        out_list = list(base)
        per_list = list(located.per(base) or [(None, None)] * len(base))
        over_per = located.per(over) or []
        for i, item in enumerate(over):
            if item in out_list:
                continue
            out_list.append(item)
            per_list.append(over_per[i] if i < len(over_per) else (None, None))
        return located.new(out_list, base, per_list)
    return over


def bare_environment(spec: dict[str, Any], env: dict[str, str], located: Located) -> None:
    """``environment: [FLAGD_HOST]`` takes the value of FLAGD_HOST from the env files."""
    value = spec.get("environment")
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str) and "=" not in item and item.strip() in env:
                value[i] = f"{item.strip()}={env[item.strip()]}"
    elif isinstance(value, dict):
        for k, v in value.items():
            if v is None and k in env:
                value[k] = env[k]
