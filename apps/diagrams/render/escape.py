"""Escaping for DOT: everything that came from the model reaches Graphviz only through these.

- quoted strings ("..."): backslashes and quotes escaped, newlines turned into Graphviz's `\\n`,
  `&` written as `&amp;` (Graphviz expands entities in labels and tooltips);
- HTML-like labels (<...>): model text is XML-escaped and control characters dropped, so it
  can only ever be character data inside our own markup.
"""

from __future__ import annotations

import re

# C0/C1 controls (but not \t \n), bidi overrides (they can disguise text), the non-characters
# XML 1.0 forbids; lone surrogates
# cannot be UTF-8 encoded at all.
_BAD_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)


def clean(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to strip, no regex
    return _BAD_CHARS.sub("", text)


_PLAIN = re.compile(r"[\w .,:;()/+=#%@-]*", re.ASCII)  # nothing to escape (ids, colours, styles)


def quote(text: str) -> str:
    """A DOT double-quoted string whose content is shown literally."""
    if _PLAIN.fullmatch(text):
        return f'"{text}"'  # the common case (ids and styles): one regex call, no replaces
    text = clean(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return '"' + text.replace("\n", "\\n") + '"'


def html_text(text: str) -> str:
    """Character data for an HTML-like label."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("\n", " ")
