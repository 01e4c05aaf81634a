"""Safe YAML/JSON reading with source positions, and canonical YAML writing.

Reading is built on the parser's event stream rather than on a constructor: it never recurses
(deep nesting cannot exhaust the stack), it refuses anchors/aliases (so "billion laughs" cannot
expand), custom tags and duplicate keys, and it records the line and column of every key and
value so errors and findings can point into the file.

Mapping keys are always strings (``on:`` stays ``"on"``), and timestamps are not a type here:
``expires: 2027-06-30`` reads as the string ``"2027-06-30"``.

The package, by part:

- ``reader``: ``parse_document``: decoding and size limits, the event-stream pass
  (``_build``), error pointers and the JSON fallback;
- ``parsers``: the parser used (libyaml when installed), and the fallback to the pure-Python
  parser when libyaml refuses deep nesting itself, so the depth limit answers the same way
  whatever libyaml is installed (the importers' reader uses it too);
- ``parsed``: ``Parsed``, the data with the line and column of every key and value
  (``locate``);
- ``scalars``: resolving scalars (YAML 1.1 implicit types minus timestamps) and the allowed
  tags; ``emit`` imports the implicit-type patterns from here;
- ``emit``: the canonical YAML emitter (quotes a string exactly when YAML would read it as
  another type);
- ``writer``: ``dump_yaml_data`` (canonical YAML, through ``emit``) and ``dump_json_data``.
"""

from .parsed import Parsed
from .reader import parse_document
from .writer import dump_json_data, dump_yaml_data

__all__ = [
    "Parsed",
    "dump_json_data",
    "dump_yaml_data",
    "parse_document",
]
