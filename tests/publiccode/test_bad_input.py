"""Hostile and broken input: an error result, never an exception, fast and bounded."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from communs.publiccode import ERROR, validate
from communs.publiccode.schema import PUBLICCODE_V0, ListOf, MapOf, Struct
from communs.publiccode.yamltree import MAX_BYTES

from .test_validate import MINIMAL

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
    for i in range(9)
)

BAD_INPUTS = {
    "billion laughs": BILLION_LAUGHS.encode(),
    "deep flow nesting": b"publiccodeYmlVersion: " + b"[" * 5000 + b"]" * 5000,
    "deep block nesting": "".join(f"{'  ' * i}k{i}:\n" for i in range(200)).encode(),
    "recursive alias": b"a: &a [*a]\n",
    "undefined alias": b"a: *nowhere\n",
    "two documents": MINIMAL.encode() + b"---\n" + MINIMAL.encode(),
    "not UTF-8": b'publiccodeYmlVersion: "0"\nname: M\xe8dusa\n',
    "10 MB": b"name: " + b"x" * (10 * 1024 * 1024) + b"\n",
    "just under the bound": b"a: " + b"x" * (MAX_BYTES - 10) + b"\n",
    "tabs": b'publiccodeYmlVersion: "0"\nlegal:\n\tlicense: MIT\n',
    "duplicate keys": MINIMAL.encode() + b"name: Again\n",
    "control character": b'publiccodeYmlVersion: "0"\nname: a\x07b\n',
    "empty": b"",
    "a list": b"- a\n- b\n",
    "a scalar": b"hello\n",
    "many values": b"a: [" + b"1, " * 200_000 + b"1]\n",
    "huge key count": b"".join(b"k%d: v\n" % i for i in range(60_000)),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_it_answers_bad_input_with_an_error_quickly(name: str) -> None:
    started = time.perf_counter()
    report = validate(BAD_INPUTS[name])
    elapsed = time.perf_counter() - started
    assert not report.valid
    assert any(r.level == ERROR for r in report.results)
    # A guard against hangs only: wall time on a shared CI machine is no measure. The
    # one-second target is measured by benchmarks/publiccode.py on the slowest inputs.
    assert elapsed < 10.0, f"{name} took {elapsed:.2f} s"


@pytest.mark.parametrize("name", ["billion laughs", "many values", "10 MB", "deep flow nesting"])
def test_it_answers_bad_input_in_bounded_memory(name: str) -> None:
    # Measured apart from the time: tracing every allocation slows Python down.
    tracemalloc.start()
    validate(BAD_INPUTS[name])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, f"{name} used {peak / 2**20:.0f} MB"


def test_it_names_the_line_of_a_syntax_problem() -> None:
    report = validate(BAD_INPUTS["tabs"])
    assert [(r.key, r.line, r.column) for r in report.results] == [("", 3, 1)]
    assert report.results[0].description.startswith("invalid YAML: ")


def test_it_refuses_several_documents_and_bombs_by_name() -> None:
    assert "multiple YAML documents" in validate(BAD_INPUTS["two documents"]).results[0].description
    assert "alias bomb" in validate(BAD_INPUTS["billion laughs"]).results[0].description
    assert validate(BAD_INPUTS["not UTF-8"]).results[0].description == "Invalid UTF-8"


def paths(struct: Struct, prefix: str = "") -> list[list[str]]:
    """Every key path of the schema (one item stands for a list, ``en`` for a map)."""
    found = []
    for name, kind in struct.fields.items():
        path = [*prefix.split("/"), name] if prefix else [name]
        found.append(path)
        while isinstance(kind, (ListOf, MapOf)):
            kind = kind.item if isinstance(kind, ListOf) else kind.value
            path = [*path, "0" if len(path) and isinstance(kind, Struct) else "en"]
        if isinstance(kind, Struct):
            found.extend(paths(kind, "/".join(path)))
    return found


WRONG_VALUES = ["[]", "{}", '"x"', "1", "true", "null", "[[1]]", "{a: {b: c}}"]


@pytest.mark.parametrize("value", WRONG_VALUES)
def test_it_survives_a_wrong_type_at_every_level(value: str) -> None:
    for path in paths(PUBLICCODE_V0):
        lines = ['publiccodeYmlVersion: "0"'] if path != ["publiccodeYmlVersion"] else []
        indent = ""
        for part in path[:-1]:
            lines.append(f"{indent}{part}:" if not part.isdigit() else f"{indent}- x: 1")
            indent += "  "
            if part.isdigit():
                indent += "  "
        lines.append(f"{indent}{path[-1]}: {value}")
        report = validate("\n".join(lines) + "\n")
        assert all(r.line >= 0 and r.column >= 0 for r in report.results)
        assert not report.valid
