"""A publiccode.yml validator as strict as the reference one (publiccode-parser-go).

    from communs.publiccode import validate
    report = validate(path.read_bytes(), base_url=str(path.parent))
    report.valid, [(r.level, r.key, r.line, r.description) for r in report.results]

``validate`` never raises on bad input: unreadable YAML, YAML bombs, several documents,
wrong types at any level all come back as error results. A result names its key as a
dotted path (``description.en.features[0]``, ``legal.license``) with the line and column
to look at (0 when the problem has no place in the file). Warnings (deprecated keys, an
old version) do not make a file invalid.

Versions ``0`` and 0.2 to 0.7 are read with one set of rules, the latest, as the
reference does; a version other than ``0`` or the latest gets a warning. Network checks
(URLs that must answer, remote logos) are off by default; ``network=True`` turns them on
through ``fetcher`` (a ``SafeFetcher`` unless one is given). Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from communs.publiccode import rules, yamltree
from communs.publiccode.assets import AssetChecker
from communs.publiccode.network import Fetcher, SafeFetcher
from communs.publiccode.schema import PUBLICCODE_V0, Decoder
from communs.publiccode.yamltree import Node, YamlFailure

__all__ = [
    "ERROR",
    "LATEST_VERSION",
    "SUPPORTED_VERSIONS",
    "WARNING",
    "Report",
    "Result",
    "validate",
]

ERROR = rules.ERROR
WARNING = rules.WARNING

# The versions the reference accepts, in its order (there was no 0.6 release).
SUPPORTED_VERSIONS: tuple[str, ...] = (
    "0", "0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0", "0.4", "0.4.0",
    "0.5.0", "0.5", "0.7.0", "0.7",
)  # fmt: skip
LATEST_VERSION = SUPPORTED_VERSIONS[-1]


@dataclass(frozen=True)
class Result:
    """One finding: ``level`` is ``"error"`` or ``"warning"``; line and column are 1-based."""

    level: str
    key: str
    description: str
    line: int
    column: int

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "key": self.key,
            "description": self.description,
            "line": self.line,
            "column": self.column,
        }


@dataclass(frozen=True)
class Report:
    """The results for one file, in file order; ``valid`` when none is an error."""

    results: tuple[Result, ...] = field(default_factory=tuple)
    version: str | None = None

    @property
    def valid(self) -> bool:
        return not any(result.level == ERROR for result in self.results)

    @property
    def errors(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.level == ERROR)

    @property
    def warnings(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.level == WARNING)


def validate(
    data: bytes | str,
    *,
    network: bool = False,
    base_url: str | None = None,
    fetcher: Fetcher | None = None,
    ipa_codes: Collection[str] | None = None,
) -> Report:
    """Validate one publiccode.yml.

    ``base_url`` is where relative paths (logo, screenshots) are read: the folder of the
    file, as a path, or its URL; without it they are only checked for their form.
    ``ipa_codes`` is the list of Italian public bodies' codes accepted in
    ``urn:x-italian-pa:`` URIs; without it any code of the right alphabet is accepted.
    """
    if ipa_codes is not None:
        ipa_codes = frozenset(code.lower() for code in ipa_codes)
    try:
        root = yamltree.parse(data)
    except YamlFailure as failure:
        column = failure.column if failure.line else 0
        return Report((Result(ERROR, "", failure.message, failure.line, column),))
    return _validate_tree(root, network=network, base=base_url, fetcher=fetcher, ipa=ipa_codes)


def _validate_tree(
    root: Node | None,
    *,
    network: bool,
    base: str | None,
    fetcher: Fetcher | None,
    ipa: Collection[str] | None,
) -> Report:
    found = (
        root.get("publiccodeYmlVersion") if root is not None and root.kind == "mapping" else None
    )
    if found is None:
        return _report(
            root,
            [(ERROR, "publiccodeYmlVersion", "publiccodeYmlVersion is a required field")],
            at_zero=True,
        )
    version_node = found[1]
    if version_node.kind != yamltree.SCALAR or version_node.type != yamltree.STR:
        return _report(root, [(ERROR, "publiccodeYmlVersion", "wrong type for this field")])
    version = version_node.text
    if version not in SUPPORTED_VERSIONS:
        message = f"unsupported version: '{version}'. Supported versions: " + ", ".join(
            SUPPORTED_VERSIONS
        )
        return _report(
            root, [(ERROR, "publiccodeYmlVersion", message)], at_zero=True, version=version
        )
    raw: list[rules.Raw] = []
    if (
        version != "0"
        and version != LATEST_VERSION
        and not version.startswith(LATEST_VERSION + ".")
    ):
        raw.append(
            (
                rules.WARNING,
                "publiccodeYmlVersion",
                f"v{version} is not the latest version, use '{LATEST_VERSION}'. "
                f"Parsing this file as v{LATEST_VERSION}.",
            )
        )
    assert root is not None
    decoder = Decoder()
    doc, _ = decoder.struct(root, PUBLICCODE_V0)
    results = [
        Result(ERROR, yamltree.key_at_line(root, error.line), error.message, error.line, 1)
        for error in decoder.errors
    ]
    raw.extend(rules.ValueRules(ipa).check(doc or {}))
    own_fetcher = None
    if network and fetcher is None:
        fetcher = own_fetcher = SafeFetcher()
    try:
        assets = AssetChecker(base, network=network, fetcher=fetcher)
        raw.extend(rules.check_extras(doc or {}, assets, ipa))
    finally:
        if own_fetcher is not None:
            own_fetcher.close()
    return _report(root, raw, decoded=results, version=version)


def _report(
    root: Node | None,
    raw: list[rules.Raw],
    *,
    decoded: list[Result] | None = None,
    at_zero: bool = False,
    version: str | None = None,
) -> Report:
    results = list(decoded or [])
    for level, key, message in raw:
        line, column = (0, 0) if at_zero else yamltree.position_of(root, key)
        results.append(Result(level, key, message, line, column))
    results.sort(key=lambda r: (r.line == 0, r.line, r.column))
    return Report(tuple(results), version)
