"""Dependency manifests to package URLs, with their version constraints and scope.

Read: npm ``package.json``; PyPI ``requirements*.txt`` (and ``requirements/*.txt``),
``pyproject.toml`` (PEP 621, PEP 735 groups, Poetry), ``Pipfile``, ``setup.cfg``; Maven
``pom.xml``; Gradle ``build.gradle`` and ``build.gradle.kts`` (dependency lines); Composer
``composer.json``; Cargo ``Cargo.toml``; Go ``go.mod``; RubyGems ``Gemfile`` and
``*.gemspec``. Lock files are not read: they list what was resolved, not what the
project asks for.

Each dependency becomes a package URL (``pkg:npm/left-pad``, ``pkg:pypi/django``,
``pkg:maven/org.x/y``); the version goes into the URL only when the manifest pins one
exact version, and the manifest's own text is kept as ``constraint``. Scopes:
``runtime``, ``dev`` (development and tests), ``build`` (build time only: Cargo
build-dependencies, Gradle ``compileOnly``/``annotationProcessor``, setup_requires),
``optional`` (extras). A manifest that cannot be parsed raises :class:`ManifestError`
with the reason; the caller records it and goes on.

``pom.xml`` is parsed with the standard library's expat and no document type allowed:
without a DOCTYPE there can be no entity, so neither "billion laughs" expansion nor an
external entity can be read (expat's declaration hooks refuse them as well).
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
import xml.etree.ElementTree as ET  # noqa: S405 - only its tree builder, fed by _xml()
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from xml.parsers import expat

from packageurl import PackageURL

from communs.analysis.model import Dependency

RUNTIME, DEV, BUILD, OPTIONAL = "runtime", "dev", "build", "optional"


class ManifestError(ValueError):
    """A manifest that could not be read; the message says why."""


def _purl(kind: str, name: str, namespace: str | None = None, version: str | None = None) -> str:
    purl = PackageURL(type=kind, namespace=namespace or None, name=name, version=version)
    return purl.to_string()


def _dependency(
    ecosystem: str,
    name: str,
    constraint: str,
    scope: str,
    manifest: str,
    *,
    namespace: str | None = None,
    exact: str | None = None,
) -> Dependency:
    purl_type = {"gradle": "maven"}.get(ecosystem, ecosystem)
    full = f"{namespace}/{name}" if namespace else name
    return Dependency(
        purl=_purl(purl_type, name, namespace, exact),
        ecosystem=purl_type,
        name=full,
        constraint=constraint,
        scope=scope,
        manifest=manifest,
    )


_DEV_GROUP = re.compile(
    r"(^|[-_.])(dev|develop|development|tests?|testing|lint|docs?|typing|types|check|ci|qa|"
    r"style|bench|benchmarks?)([-_.]|$)",
    re.IGNORECASE,
)


def _group_scope(group: str, default: str = OPTIONAL) -> str:
    return DEV if _DEV_GROUP.search(group) else default


# ---------------------------------------------------------------------------------------
# Python

_PEP508 = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<spec>\(?\s*(?:[<>=!~^][^;@]*)?\)?)?\s*(?P<url>@\s*[^;\s]+)?\s*(?:;(?P<marker>.*))?$"
)
_EXACT_PEP440 = re.compile(r"^===?\s*([0-9][0-9A-Za-z.+!-]*)$")


def _pep508(requirement: str, scope: str, manifest: str) -> Dependency | None:
    match = _PEP508.match(requirement)
    if not match:
        return None
    spec = (match.group("spec") or "").strip().strip("()").replace(" ", "")
    marker = match.group("marker") or ""
    if "extra" in marker and "==" in marker and scope == RUNTIME:
        scope = OPTIONAL
    exact = _EXACT_PEP440.match(spec)
    return _dependency(
        "pypi", match.group("name"), spec, scope, manifest, exact=exact.group(1) if exact else None
    )


def parse_requirements(text: str, manifest: str, scope: str = RUNTIME) -> list[Dependency]:
    """A pip requirements file: options, includes, URLs and paths are left out."""
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if not line or line.startswith(("#", "-", ".", "/")) or "://" in line.split("@")[0]:
            continue
        line = line.split(" --", 1)[0]
        dependency = _pep508(line, scope, manifest)
        if dependency:
            found.append(dependency)
    return found


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"not valid TOML: {error}") from None


def _poetry_constraint(value: Any) -> tuple[str, bool]:
    """(constraint, optional) of a Poetry or Pipfile entry: a string, a table or a list."""
    if isinstance(value, str):
        return ("" if value == "*" else value), False
    if isinstance(value, dict):
        version = value.get("version", "")
        return ("" if version == "*" else str(version)), bool(value.get("optional"))
    return "", False


_BARE_VERSION = re.compile(r"^v?\d+(\.\d+)*([-+][0-9A-Za-z.-]+)?$")


def _poetry_table(table: Any, scope: str, manifest: str) -> Iterator[Dependency]:
    if not isinstance(table, dict):
        return
    for name, value in table.items():
        if name.lower() == "python":
            continue
        constraint, optional = _poetry_constraint(value)
        # "1.2.3" (Poetry) and "==1.2.3" (both) pin one version; "^1.2" does not.
        pinned = constraint.removeprefix("==")
        exact = (
            pinned
            if _BARE_VERSION.match(pinned) and (constraint[:1].isdigit() or pinned != constraint)
            else None
        )
        yield _dependency(
            "pypi", name, constraint, OPTIONAL if optional else scope, manifest, exact=exact
        )


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def parse_pyproject(text: str, manifest: str) -> list[Dependency]:
    data = _toml(text)
    found: list[Dependency] = []
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    for requirement in _strings(project.get("dependencies")):
        found.extend(filter(None, [_pep508(requirement, RUNTIME, manifest)]))
    extras = project.get("optional-dependencies")
    for group, requirements in (extras if isinstance(extras, dict) else {}).items():
        for requirement in _strings(requirements):
            found.extend(filter(None, [_pep508(requirement, _group_scope(group), manifest)]))
    groups = data.get("dependency-groups")
    for _, requirements in (groups if isinstance(groups, dict) else {}).items():
        for requirement in _strings(requirements):
            found.extend(filter(None, [_pep508(requirement, DEV, manifest)]))
    poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if isinstance(poetry, dict):
        found.extend(_poetry_table(poetry.get("dependencies"), RUNTIME, manifest))
        found.extend(_poetry_table(poetry.get("dev-dependencies"), DEV, manifest))
        poetry_groups = poetry.get("group")
        for group, body in (poetry_groups if isinstance(poetry_groups, dict) else {}).items():
            if isinstance(body, dict):
                scope = RUNTIME if group == "main" else _group_scope(group, DEV)
                found.extend(_poetry_table(body.get("dependencies"), scope, manifest))
    return found


def parse_pipfile(text: str, manifest: str) -> list[Dependency]:
    data = _toml(text)
    return [
        *_poetry_table(data.get("packages"), RUNTIME, manifest),
        *_poetry_table(data.get("dev-packages"), DEV, manifest),
    ]


def parse_setup_cfg(text: str, manifest: str) -> list[Dependency]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as error:
        raise ManifestError(f"not a valid setup.cfg: {error.message}") from None
    found: list[Dependency] = []

    def lines(value: str) -> Iterable[str]:
        return (line.strip() for line in re.split(r"[\n;]", value) if line.strip())

    if parser.has_section("options"):
        for key, scope in (
            ("install_requires", RUNTIME),
            ("tests_require", DEV),
            ("setup_requires", BUILD),
        ):
            for requirement in lines(parser.get("options", key, fallback="")):
                found.extend(filter(None, [_pep508(requirement, scope, manifest)]))
    if parser.has_section("options.extras_require"):
        for group, value in parser.items("options.extras_require"):
            for requirement in lines(value):
                found.extend(filter(None, [_pep508(requirement, _group_scope(group), manifest)]))
    return found


# ---------------------------------------------------------------------------------------
# npm, Composer


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ManifestError(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ManifestError("not a JSON object")
    return data


_NPM_EXACT = re.compile(r"^=?v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$")


def parse_package_json(text: str, manifest: str) -> list[Dependency]:
    data = _json(text)
    found = []
    for key, scope in (
        ("dependencies", RUNTIME),
        ("peerDependencies", RUNTIME),
        ("optionalDependencies", OPTIONAL),
        ("devDependencies", DEV),
    ):
        table = data.get(key)
        for name, constraint in (table if isinstance(table, dict) else {}).items():
            if not isinstance(name, str) or not name:
                continue
            constraint = constraint if isinstance(constraint, str) else ""
            namespace, _, bare = name.rpartition("/")
            exact = _NPM_EXACT.match(constraint.strip())
            found.append(
                _dependency(
                    "npm",
                    bare,
                    constraint,
                    scope,
                    manifest,
                    namespace=namespace or None,
                    exact=exact.group(1) if exact else None,
                )
            )
    return found


_COMPOSER_PLATFORM = re.compile(r"^(php|hhvm|composer(-plugin-api|-runtime-api)?|(ext|lib)-.+)$")


def parse_composer_json(text: str, manifest: str) -> list[Dependency]:
    data = _json(text)
    found = []
    for key, scope in (("require", RUNTIME), ("require-dev", DEV)):
        table = data.get(key)
        for name, constraint in (table if isinstance(table, dict) else {}).items():
            if _COMPOSER_PLATFORM.match(name.lower()) or "/" not in name:
                continue
            constraint = constraint if isinstance(constraint, str) else ""
            vendor, _, package = name.partition("/")
            exact = constraint if _BARE_VERSION.match(constraint) else None
            found.append(
                _dependency(
                    "composer", package, constraint, scope, manifest, namespace=vendor, exact=exact
                )
            )
    return found


# ---------------------------------------------------------------------------------------
# Cargo, Go


def parse_cargo_toml(text: str, manifest: str) -> list[Dependency]:
    data = _toml(text)
    tables: list[tuple[Any, str]] = [
        (data.get("dependencies"), RUNTIME),
        (data.get("dev-dependencies"), DEV),
        (data.get("build-dependencies"), BUILD),
    ]
    workspace = data.get("workspace")
    if isinstance(workspace, dict):
        tables.append((workspace.get("dependencies"), RUNTIME))
    targets = data.get("target")
    for body in (targets if isinstance(targets, dict) else {}).values():
        if isinstance(body, dict):
            tables += [
                (body.get("dependencies"), RUNTIME),
                (body.get("dev-dependencies"), DEV),
                (body.get("build-dependencies"), BUILD),
            ]
    found = []
    for table, scope in tables:
        for name, value in (table if isinstance(table, dict) else {}).items():
            constraint, optional = _poetry_constraint(value)
            # A renamed dependency names its crate in "package".
            crate = value.get("package", name) if isinstance(value, dict) else name
            exact = constraint[1:].strip() if constraint.startswith("=") else None
            found.append(
                _dependency(
                    "cargo",
                    str(crate),
                    constraint,
                    OPTIONAL if optional and scope == RUNTIME else scope,
                    manifest,
                    exact=exact if exact and _BARE_VERSION.match(exact) else None,
                )
            )
    return found


_GO_REQUIRE = re.compile(r"^\s*(?:require\s+)?([^\s()]+)\s+(v[^\s]+)")


def parse_go_mod(text: str, manifest: str) -> list[Dependency]:
    found = []
    in_block = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line.startswith(")"):
                in_block = False
                continue
        elif line.startswith("require") and line.rstrip().endswith("("):
            in_block = True
            continue
        elif not line.startswith("require "):
            continue
        match = _GO_REQUIRE.match(line)
        if not match:
            continue
        module, version = match.groups()
        namespace, _, name = module.rpartition("/")
        found.append(
            _dependency(
                "golang", name, version, RUNTIME, manifest, namespace=namespace, exact=version
            )
        )
    return found


# ---------------------------------------------------------------------------------------
# RubyGems

_GEM = re.compile(r"""^\s*gem\s*\(?\s*['"]([^'"]+)['"]((?:\s*,\s*['"][^'"]*['"])*)(.*)$""")
_GEMSPEC = re.compile(
    r"""\.add_(runtime_|development_)?dependency\s*\(?\s*['"]([^'"]+)['"]"""
    r"""((?:\s*,\s*['"][^'"]*['"])*)"""
)
_QUOTED = re.compile(r"""['"]([^'"]*)['"]""")
_BLOCK_START = re.compile(r"\bdo\s*(\|[^|]*\|)?\s*$")
_DEV_GEM_GROUP = re.compile(r":(development|test|dev|ci|lint)\b|['\"](development|test)['\"]")
_GEM_EXACT = re.compile(r"^=?\s*(\d+(?:\.\d+)*)$")


def _gem_constraint(quoted: str) -> tuple[str, str | None]:
    parts = [part.strip() for part in _QUOTED.findall(quoted)]
    exact = _GEM_EXACT.match(parts[0]) if len(parts) == 1 else None
    return ", ".join(parts), exact.group(1) if exact else None


def parse_gemfile(text: str, manifest: str) -> list[Dependency]:
    found = []
    # One entry per open `do` block: True for a development or test group.
    blocks: list[bool] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        stripped = line.strip()
        if re.match(r"^end\b", stripped):
            if blocks:
                blocks.pop()
            continue
        if _BLOCK_START.search(stripped):
            is_group = stripped.startswith("group")
            blocks.append(is_group and bool(_DEV_GEM_GROUP.search(stripped)))
            continue
        match = _GEM.match(line)
        if not match:
            continue
        constraint, exact = _gem_constraint(match.group(2))
        options = match.group(3)
        dev = any(blocks) or bool(
            re.search(r"\bgroups?\s*:|:groups?\s*=>", options) and _DEV_GEM_GROUP.search(options)
        )
        found.append(
            _dependency(
                "gem", match.group(1), constraint, DEV if dev else RUNTIME, manifest, exact=exact
            )  # fmt: skip
        )
    return found


def parse_gemspec(text: str, manifest: str) -> list[Dependency]:
    found = []
    for match in _GEMSPEC.finditer(text):
        constraint, exact = _gem_constraint(match.group(3))
        scope = DEV if match.group(1) == "development_" else RUNTIME
        found.append(_dependency("gem", match.group(2), constraint, scope, manifest, exact=exact))
    return found


# ---------------------------------------------------------------------------------------
# Maven, Gradle


def _xml(text: str) -> ET.Element:
    """Parse XML that declares no document type (so that no entity can exist)."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ManifestError("document type and entity declarations are refused")
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_: object) -> None:
        raise ManifestError("document type and entity declarations are refused")

    # Belt and braces: expat's own hooks refuse what the text check above should stop.
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = lambda tag, attributes: builder.start(tag, attributes)
    parser.EndElementHandler = lambda tag: builder.end(tag)
    parser.CharacterDataHandler = lambda data: builder.data(data)
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        raise ManifestError(f"not well-formed XML: {error}") from None
    return builder.close()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: ET.Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


_PROPERTY = re.compile(r"\$\{([^}]+)\}")


def parse_pom(text: str, manifest: str) -> list[Dependency]:
    project = _xml(text)
    properties: dict[str, str] = {}
    props = _child(project, "properties")
    if props is not None:
        properties = {_local(child.tag): (child.text or "").strip() for child in props}
    parent = _child(project, "parent")
    properties["project.version"] = _text(project, "version") or (
        _text(parent, "version") if parent is not None else ""
    )
    properties["project.groupId"] = _text(project, "groupId") or (
        _text(parent, "groupId") if parent is not None else ""
    )

    def resolve(value: str) -> str:
        return _PROPERTY.sub(lambda m: properties.get(m.group(1), m.group(0)), value)

    found = []
    dependencies = _child(project, "dependencies")
    for dependency in list(dependencies) if dependencies is not None else []:
        if _local(dependency.tag) != "dependency":
            continue
        group, artifact = resolve(_text(dependency, "groupId")), _text(dependency, "artifactId")
        if not group or not artifact:
            continue
        version = resolve(_text(dependency, "version"))
        maven_scope = _text(dependency, "scope").lower()
        if maven_scope == "import":
            continue
        scope = DEV if maven_scope == "test" else RUNTIME
        if _text(dependency, "optional").lower() == "true":
            scope = OPTIONAL
        exact = version if version and not re.search(r"[\[\](),$]", version) else None
        found.append(
            _dependency("maven", artifact, version, scope, manifest, namespace=group, exact=exact)
        )
    return found


_GRADLE_CONFIGURATION = (
    r"(?P<conf>implementation|api|compile|runtimeOnly|runtime|compileOnly|compileOnlyApi|"
    r"testImplementation|testCompile|testCompileOnly|testRuntimeOnly|testFixturesImplementation|"
    r"androidTestImplementation|debugImplementation|releaseImplementation|kapt|ksp|"
    r"annotationProcessor|developmentOnly|classpath)"
)
_GRADLE_STRING = re.compile(
    r"^\s*" + _GRADLE_CONFIGURATION + r"\s*\(?\s*(?:(?:enforcedPlatform|platform)\s*\(\s*)?"
    r"['\"](?P<group>[^'\":\s]+):(?P<name>[^'\":\s]+)(?::(?P<version>[^'\"@\s]+))?(?:@\w+)?['\"]"
)
_GRADLE_MAP = re.compile(
    r"^\s*" + _GRADLE_CONFIGURATION + r"\s*\(?\s*group\s*[:=]\s*['\"](?P<group>[^'\"]+)['\"]\s*,"
    r"\s*name\s*[:=]\s*['\"](?P<name>[^'\"]+)['\"]"
    r"(?:\s*,\s*version\s*[:=]\s*['\"](?P<version>[^'\"]+)['\"])?"
)


def _gradle_scope(configuration: str) -> str:
    lowered = configuration.lower()
    if lowered.startswith(("test", "androidtest", "debug")) or lowered == "developmentonly":
        return DEV
    if lowered in {"compileonly", "compileonlyapi", "kapt", "ksp", "annotationprocessor",
                   "classpath"}:  # fmt: skip
        return BUILD
    return RUNTIME


def parse_gradle(text: str, manifest: str) -> list[Dependency]:
    found = []
    for line in text.splitlines():
        match = _GRADLE_STRING.match(line) or _GRADLE_MAP.match(line)
        if not match:
            continue
        version = match.group("version") or ""
        exact = version if version and not re.search(r"[$+\[\](),]", version) else None
        found.append(
            _dependency(
                "gradle",
                match.group("name"),
                version,
                _gradle_scope(match.group("conf")),
                manifest,
                namespace=match.group("group"),
                exact=exact,
            )
        )
    return found


# ---------------------------------------------------------------------------------------

Parser = Callable[[str, str], list[Dependency]]
_BY_NAME: dict[str, Parser] = {
    "package.json": parse_package_json,
    "pyproject.toml": parse_pyproject,
    "pipfile": parse_pipfile,
    "setup.cfg": parse_setup_cfg,
    "pom.xml": parse_pom,
    "build.gradle": parse_gradle,
    "build.gradle.kts": parse_gradle,
    "composer.json": parse_composer_json,
    "cargo.toml": parse_cargo_toml,
    "go.mod": parse_go_mod,
    "gemfile": parse_gemfile,
}
_REQUIREMENTS = re.compile(r"^(?:[\w.-]*[-_.])?requirements(?:[-_.][\w.-]*)?\.(txt|in)$")
_DEV_REQUIREMENTS = re.compile(r"(dev|test|lint|doc|ci|check|typing)", re.IGNORECASE)


def parser_for(folder: str, name: str) -> Parser | None:
    """The parser for a file, by its name (and folder, for ``requirements/*.txt``)."""
    lowered = name.lower()
    if lowered in _BY_NAME:
        return _BY_NAME[lowered]
    if lowered.endswith(".gemspec"):
        return parse_gemspec
    in_requirements_folder = folder.rsplit("/", 1)[-1].lower() == "requirements"
    if _REQUIREMENTS.match(lowered) or (in_requirements_folder and lowered.endswith(".txt")):
        dev = _DEV_REQUIREMENTS.search(name) is not None

        def requirements(text: str, manifest: str) -> list[Dependency]:
            return parse_requirements(text, manifest, DEV if dev else RUNTIME)

        return requirements
    return None
