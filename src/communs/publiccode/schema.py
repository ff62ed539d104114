"""The shape of a publiccode.yml (versions 0 and 0.2 to 0.7) and how a file is decoded.

Decoding follows the reference validator's YAML decoder, because which results appear
depends on it: a value of the wrong type is an error *and leaves its whole enclosing
object unset* (a list given where ``maintenance.contractors`` expects one makes
``maintenance`` empty, so ``maintenance.type`` is then reported missing too); an unknown
key does the same to its object. Unlike the reference, which stops at the first decoding
error, every one is reported.

Decoded values are plain Python: ``str``, ``bool``, ``list``, ``dict``; ``None`` for a
key that is absent, null or left unset by an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from communs.publiccode import yamltree
from communs.publiccode.checks import URLError, parse_url
from communs.publiccode.yamltree import MAPPING, SCALAR, SEQUENCE, Node


class Type:
    """A value's expected type."""


@dataclass(frozen=True)
class Scalar(Type):
    kind: str  # "str", "bool" or "url"


@dataclass(frozen=True)
class ListOf(Type):
    item: Type
    # ``isBasedOn`` takes one URL or a list of them.
    or_single: bool = False


@dataclass(frozen=True)
class MapOf(Type):
    value: Type


@dataclass(frozen=True)
class Struct(Type):
    fields: dict[str, Type]
    # Optional objects (pointers in the reference) are skipped by the rules when absent;
    # the others (legal, maintenance, localisation) are checked even when absent.
    optional: bool = True


STR = Scalar("str")
BOOL = Scalar("bool")
URL = Scalar("url")
STRINGS = ListOf(STR)

ORGANISATION = Struct({"name": STR, "uri": STR})
DESCRIPTION = Struct(
    {
        "localisedName": STR,
        "genericName": STR,
        "shortDescription": STR,
        "longDescription": STR,
        "documentation": URL,
        "apiDocumentation": URL,
        "features": STRINGS,
        "screenshots": STRINGS,
        "videos": ListOf(URL),
        "awards": STRINGS,
    }
)
CONTRACTOR = Struct({"name": STR, "email": STR, "website": URL, "until": STR})
CONTACT = Struct({"name": STR, "email": STR, "affiliation": STR, "phone": STR})
DEPENDENCY = Struct(
    {"name": STR, "versionMin": STR, "versionMax": STR, "optional": BOOL, "version": STR}
)
IT_SECTION = Struct(
    {
        "countryExtensionVersion": STR,
        "conforme": Struct(
            {
                "lineeGuidaDesign": BOOL,
                "modelloInteroperabilita": BOOL,
                "misureMinimeSicurezza": BOOL,
                "gdpr": BOOL,
            }
        ),
        "riuso": Struct({"codiceIPA": STR}, optional=False),
        "piattaforme": Struct(
            {"spid": BOOL, "pagopa": BOOL, "cie": BOOL, "anpr": BOOL, "io": BOOL},
            optional=False,
        ),
    }
)

PUBLICCODE_V0 = Struct(
    {
        "publiccodeYmlVersion": STR,
        "name": STR,
        "applicationSuite": STR,
        "url": URL,
        "landingURL": URL,
        "isBasedOn": ListOf(URL, or_single=True),
        "softwareVersion": STR,
        "releaseDate": STR,
        "logo": STR,
        "monochromeLogo": STR,
        "organisation": ORGANISATION,
        "inputTypes": STRINGS,
        "outputTypes": STRINGS,
        "platforms": STRINGS,
        "categories": STRINGS,
        "usedBy": STRINGS,
        "fundedBy": ListOf(ORGANISATION),
        "roadmap": URL,
        "developmentStatus": STR,
        "softwareType": STR,
        "intendedAudience": Struct(
            {"scope": STRINGS, "countries": STRINGS, "unsupportedCountries": STRINGS}
        ),
        "supports": ListOf(Struct({"id": STR})),
        "description": MapOf(DESCRIPTION),
        "legal": Struct(
            {"license": STR, "mainCopyrightOwner": STR, "repoOwner": STR, "authorsFile": STR},
            optional=False,
        ),
        "maintenance": Struct(
            {"type": STR, "contractors": ListOf(CONTRACTOR), "contacts": ListOf(CONTACT)},
            optional=False,
        ),
        "localisation": Struct(
            {"localisationReady": BOOL, "availableLanguages": STRINGS}, optional=False
        ),
        "dependsOn": Struct(
            {
                "open": ListOf(DEPENDENCY),
                "proprietary": ListOf(DEPENDENCY),
                "hardware": ListOf(DEPENDENCY),
            }
        ),
        "IT": IT_SECTION,
        # Deprecated spelling of IT, still read (with a warning).
        "it": IT_SECTION,
    },
    optional=False,
)

WRONG_TYPE = "wrong type for this field"


@dataclass
class DecodeError:
    """A decoding error: its line, and the node it was found on."""

    line: int
    message: str


@dataclass
class Decoder:
    errors: list[DecodeError] = field(default_factory=list)

    def fail(self, node: Node, message: str = WRONG_TYPE) -> tuple[None, bool]:
        self.errors.append(DecodeError(node.line, message))
        return None, False

    def decode(self, node: Node, expected: Type) -> tuple[object, bool]:
        """``(value, ok)``: a value that is not ok must not be stored by its parent."""
        if node.is_null:
            return None, True
        if isinstance(expected, Scalar):
            return self._scalar(node, expected)
        if isinstance(expected, ListOf):
            return self._list(node, expected)
        if isinstance(expected, MapOf):
            return self._map(node, expected)
        assert isinstance(expected, Struct)
        return self.struct(node, expected)

    def _scalar(self, node: Node, expected: Scalar) -> tuple[object, bool]:
        if node.kind != SCALAR:
            return self.fail(node)
        if expected.kind == "bool":
            if node.type != yamltree.BOOL:
                return self.fail(node)
            return yamltree.bool_value(node), True
        # Numbers and booleans are read as their text where a string is expected.
        text = node.text.lower() if node.type == yamltree.BOOL else node.text
        if expected.kind == "url":
            try:
                parse_url(text)
            except URLError as error:
                return self.fail(node, f'parse "{text}": {error}')
        return text, True

    def _list(self, node: Node, expected: ListOf) -> tuple[object, bool]:
        if node.kind != SEQUENCE:
            if expected.or_single and node.kind == SCALAR:
                value, ok = self.decode(node, expected.item)
                return ([value], True) if ok else (None, False)
            return self.fail(node)
        values: list[object] = []
        all_ok = True
        for item in node.items:
            value, ok = self.decode(item, expected.item)
            if ok:
                values.append(value)
            all_ok = all_ok and ok
        return (values, True) if all_ok else (None, False)

    def _map(self, node: Node, expected: MapOf) -> tuple[object, bool]:
        if node.kind != MAPPING:
            return self.fail(node)
        values: dict[str, object] = {}
        all_ok = True
        for key, value_node in node.pairs:
            value, ok = self.decode(value_node, expected.value)
            if ok:
                values[key.text] = value
            all_ok = all_ok and ok
        return (values, True) if all_ok else (None, False)

    def struct(self, node: Node, expected: Struct) -> tuple[dict[str, object] | None, bool]:
        """A mapping read into ``{field: value}``; also returned (partly read) when not ok."""
        if node.kind != MAPPING:
            self.fail(node)
            return None, False
        values: dict[str, object] = {}
        all_ok = True
        for key, value_node in node.pairs:
            field_type = expected.fields.get(key.text)
            if field_type is None:
                self.errors.append(DecodeError(key.line, f'unknown field "{key.text}"'))
                all_ok = False
                continue
            value, ok = self.decode(value_node, field_type)
            if ok:
                values[key.text] = value
            all_ok = all_ok and ok
        return values, all_ok
