"""Where the conventions put community files, and which files are vendored or generated.

Names are matched without regard to case and with any extension (``README``,
``readme.md``, ``README.fr.rst``). A README may sit at the root, in ``.github/`` or in
``docs/`` (the three places forges look); contribution, conduct, security, governance,
roadmap, changelog and authors files also in ``.gitlab/``; the licence,
``publiccode.yml`` and ``codemeta.json`` only at the root, where their standards want them.
"""

from __future__ import annotations

import re

# Folders whose files are dependencies, build output or caches, not the project's own
# work: left out of languages, REUSE and secrets. Matched on the folder's own name.
VENDORED_FOLDERS = frozenset(
    {
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        "vendors",
        "third_party",
        "third-party",
        "thirdparty",
        "dist",
        "build",
        "target",
        "out",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".gradle",
        ".next",
        ".nuxt",
        ".cache",
        ".yarn",
        "Pods",
        "Carthage",
        ".bundle",
        "site-packages",
        "coverage",
        ".idea",
        ".vscode",
    }
)
# Version control data: never walked.
VCS_FOLDERS = frozenset({".git", ".hg", ".svn", ".bzr"})

LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "cargo.lock",
        "composer.lock",
        "gemfile.lock",
        "go.sum",
        "gradle.lockfile",
        "packages.lock.json",
        "mix.lock",
        "pubspec.lock",
        "flake.lock",
    }
)
_GENERATED = re.compile(
    r"(\.min\.(js|css|mjs)|-min\.(js|css)|\.bundle\.js|\.map|_pb2(_grpc)?\.py|\.pb\.go"
    r"|\.generated\.\w+|\.designer\.cs)$",
    re.IGNORECASE,
)


def is_generated(name: str) -> bool:
    """Minified, bundled, source-mapped, protobuf-generated files and lock files."""
    return name.lower() in LOCK_FILES or _GENERATED.search(name) is not None


# kind -> (pattern on the lower-cased file name, folders where the kind is looked for).
_ROOT = ("",)
_COMMUNITY = ("", ".github", "docs", ".gitlab")
_CODE_SUFFIX = r"(?!.*\.(py|js|mjs|ts|go|rb|php|java|json|ya?ml|toml|sh|cfg|xml|html?)$)"


def _named(stem: str) -> re.Pattern[str]:
    # "README", "README.md", "README-fr.md", "readme_EN.txt"; never "history.py".
    return re.compile(rf"^({stem}){_CODE_SUFFIX}([._-].+)?$")


CONVENTIONS: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "readme": (_named("readme"), ("", ".github", "docs")),
    "license": (_named(r"licen[cs]e|copying|unlicen[cs]e"), _ROOT),
    "contributing": (_named("contributing"), _COMMUNITY),
    "changelog": (_named("changelog|changes|history|news"), _COMMUNITY),
    "code_of_conduct": (_named("code[_-]?of[_-]?conduct"), _COMMUNITY),
    "security": (_named("security"), _COMMUNITY),
    "governance": (_named("governance"), _COMMUNITY),
    "roadmap": (_named("roadmap"), _COMMUNITY),
    "authors": (_named("authors|contributors|maintainers"), _COMMUNITY),
    "publiccode": (re.compile(r"^publiccode\.ya?ml$"), _ROOT),
    "codemeta": (re.compile(r"^codemeta\.json$"), _ROOT),
}
_FOLDERS = frozenset(folder for _, folders in CONVENTIONS.values() for folder in folders)


def community_kind(folder: str, name: str) -> str | None:
    """The kind of community file ``folder/name`` is, or None.

    ``folder`` is the path of the file's folder relative to the root ("" for the root).
    """
    lowered_folder = folder.lower()
    if lowered_folder not in _FOLDERS:
        return None
    lowered = name.lower()
    for kind, (pattern, folders) in CONVENTIONS.items():
        if lowered_folder in folders and pattern.match(lowered):
            return kind
    return None


def is_licence_file(relative: str) -> bool:
    """A licence text anywhere (``LICENSE``, ``COPYING.LESSER``, ``LICENSES/MIT.txt``).

    REUSE does not ask these files to carry a licence header of their own.
    """
    parts = relative.split("/")
    if len(parts) > 1 and parts[-2] == "LICENSES":
        return True
    return CONVENTIONS["license"][0].match(parts[-1].lower()) is not None
