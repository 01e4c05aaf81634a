"""Too-deep nesting gets the readers' own `limit` error, whichever libyaml is underneath.

libyaml 0.2.5 and newer stop at 1,000 levels themselves ("exceeded maximum nesting depth");
older ones, and the pure-Python parser, have no such limit. Each reader is run under three
parsers: the one installed, the pure-Python one (an old libyaml behaves like it), and a
pure-Python parser that refuses deep nesting the way libyaml 0.2.5 does, so both behaviours
are tested whatever PyYAML the machine has.
"""

from __future__ import annotations

import pytest
import yaml

from apps.archmodel import Limits, ModelInvalid, load_model
from apps.archmodel.yamlio import parsers
from apps.imports.importers.reader import MAX_DEPTH, read_yaml
from apps.imports.importers.report import ImportInputError

BASE = "apiVersion: workbench/v1\nname: shop\n"
LIBYAML_MAX_DEPTH = 1000


class RefusesDeepNesting(yaml.SafeLoader):
    """The pure-Python parser, refusing nesting past 1,000 levels the way libyaml 0.2.5 does:
    a scanner error raised while scanning ahead, before the events of those levels exist."""

    def fetch_flow_collection_start(self, token_class):
        if self.flow_level >= LIBYAML_MAX_DEPTH:
            mark = self.get_mark()
            raise yaml.scanner.ScannerError(
                "while increasing flow level", mark, "exceeded maximum nesting depth", mark
            )
        super().fetch_flow_collection_start(token_class)

    def add_indent(self, column):
        if len(self.indents) >= LIBYAML_MAX_DEPTH:
            mark = self.get_mark()
            raise yaml.scanner.ScannerError(
                "while increasing block level", mark, "exceeded maximum nesting depth", mark
            )
        return super().add_indent(column)


PARSERS = {
    "installed": parsers.FAST,
    "no-own-limit": yaml.SafeLoader,
    "refuses-at-1000": RefusesDeepNesting,
}


@pytest.fixture(params=sorted(PARSERS))
def parser(request, monkeypatch):
    monkeypatch.setattr(parsers, "FAST", PARSERS[request.param])
    return request.param


def flow(depth: int) -> str:
    return BASE + "x-deep: " + "[" * depth + "]" * depth + "\n"


def block(depth: int) -> str:
    return BASE + "x-deep:\n" + "".join("  " * i + "- \n" for i in range(depth))[:-2] + "1\n"


def model_errors(text: str, **kw) -> list:
    with pytest.raises(ModelInvalid) as info:
        load_model(text, **kw)
    return info.value.errors


def test_the_simulated_parser_refuses_like_libyaml_0_2_5():
    with pytest.raises(yaml.MarkedYAMLError) as info:
        loader = RefusesDeepNesting(flow(2000))
        while loader.get_event():
            pass
    assert parsers.refused_for_depth(info.value)


@pytest.mark.parametrize("text", [flow(100_000), block(1_200)], ids=["flow", "block"])
def test_model_reader_gives_its_own_limit_error_under_every_parser(parser, text):
    [error] = model_errors(text)
    [expected] = model_errors(text) if parser == "no-own-limit" else _without_libyaml(text)
    assert error.kind == "limit"
    assert error.message.startswith("nesting deeper than 64 levels")
    assert (error.pointer, error.line, error.column) == (
        expected.pointer,
        expected.line,
        expected.column,
    )
    assert error.pointer.startswith("/x-deep/0/0/0")


def _without_libyaml(text: str) -> list:
    saved = parsers.FAST
    parsers.FAST = yaml.SafeLoader
    try:
        return model_errors(text)
    finally:
        parsers.FAST = saved


def test_a_limit_raised_above_libyamls_own_still_reads_the_file(parser):
    model = load_model(flow(1_500), limits=Limits(max_depth=2_000))
    nested = model.document["x-deep"]
    for _ in range(1_499):
        nested = nested[0]
    assert nested == []


def test_deep_json_is_refused_by_the_limit_not_loaded_by_the_json_fallback(parser):
    text = '{"apiVersion": "workbench/v1", "name": "deep", "x": ' + "[" * 100 + "]" * 100 + "}"
    [error] = model_errors(text)
    assert error.kind == "limit" and "nesting deeper than 64" in error.message


def test_ordinary_syntax_errors_are_unchanged(parser):
    [error] = model_errors(BASE + "services: [a, b\n")
    assert error.kind == "syntax" and error.message.startswith("YAML syntax error")


@pytest.mark.parametrize("depth", [100_000, 1_200])
def test_importer_reader_gives_its_own_limit_error_under_every_parser(parser, depth):
    text = "services:\n  x: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(ImportInputError) as info:
        read_yaml(text, "compose.yaml")
    [problem] = info.value.problems
    assert problem.message == f"nesting deeper than {MAX_DEPTH} levels"
    # the root and `services` mappings are two levels: the list that is one too many is the
    # (MAX_DEPTH - 1)th bracket, and the first bracket stands in column 6
    assert (problem.file, problem.line, problem.column) == ("compose.yaml", 2, 6 + MAX_DEPTH - 2)


def test_importer_reader_reads_deep_but_allowed_files_under_every_parser(parser):
    [doc] = read_yaml("x: " + "[" * 50 + "]" * 50 + "\n", "a.yaml")
    nested = doc.data["x"]
    for _ in range(49):
        [nested] = nested
    assert nested == []
