"""What analyse_tree finds in a tree: community files, languages, REUSE, secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from communs.analysis import FILE_KINDS, analyse_tree

Tree = Callable[[dict[str, str | bytes]], Path]


def test_it_finds_community_files_where_the_conventions_put_them(tree: Tree) -> None:
    root = tree(
        {
            "readme.md": "# x\n",
            "LICENCE": "",
            ".github/CONTRIBUTING.md": "contribute\n",
            "HISTORY.rst": "1.0\n",
            "docs/Code_Of_Conduct.md": "be kind\n",
            ".github/SECURITY.md": "report\n",
            "GOVERNANCE": "board\n",
            "ROADMAP.md": "next\n",
            "MAINTAINERS": "Jeanne\n",
            "publiccode.yaml": "publiccodeYmlVersion: '0.4'\n",
            "codemeta.json": "{}\n",
            # Not where conventions look: ignored.
            "src/README.md": "inner\n",
            "src/CONTRIBUTING.md": "inner\n",
            "docs/publiccode.yml": "inner\n",
        }
    )

    files = analyse_tree(root).files

    assert files == {
        "readme": ["readme.md"],
        "license": ["LICENCE"],
        "contributing": [".github/CONTRIBUTING.md"],
        "changelog": ["HISTORY.rst"],
        "code_of_conduct": ["docs/Code_Of_Conduct.md"],
        "security": [".github/SECURITY.md"],
        "governance": ["GOVERNANCE"],
        "roadmap": ["ROADMAP.md"],
        "authors": ["MAINTAINERS"],
        "publiccode": ["publiccode.yaml"],
        "codemeta": ["codemeta.json"],
    }


def test_it_lists_the_root_file_first_when_several_places_have_one(tree: Tree) -> None:
    root = tree({"docs/README.md": "d", ".github/README.md": "g", "README": "r"})

    assert analyse_tree(root).files["readme"] == ["README", ".github/README.md", "docs/README.md"]


def test_it_does_not_take_code_for_a_licence(tree: Tree) -> None:
    root = tree({"license.py": "x = 1\n", "license-checker.json": "{}", "COPYING.LESSER": ""})

    assert analyse_tree(root).files["license"] == ["COPYING.LESSER"]


def test_it_counts_languages_by_size_without_vendored_or_generated_files(tree: Tree) -> None:
    root = tree(
        {
            "app/main.py": "x" * 300,
            "app/view.html": "y" * 100,
            "web/app.js": "z" * 200,
            "web/app.min.js": "m" * 5000,
            "node_modules/left-pad/index.js": "n" * 9000,
            "vendor/lib.go": "v" * 9000,
            "dist/bundle.js": "d" * 9000,
            "package-lock.json": "{}" * 100,
            "Dockerfile": "FROM debian\n",
            "notes.md": "prose is no language" * 50,
            "data.json": "{}",
        }
    )

    analysis = analyse_tree(root)

    assert analysis.languages == {"Python": 300, "JavaScript": 200, "HTML": 100, "Dockerfile": 12}
    assert list(analysis.languages) == ["Python", "JavaScript", "HTML", "Dockerfile"]
    skipped = {item.path: item.reason for item in analysis.skipped}
    assert skipped["node_modules/"] == skipped["vendor/"] == "vendored or generated files"


def test_it_measures_reuse_compliance(tree: Tree) -> None:
    header = "# SPDX-FileCopyrightText: 2024 DINUM\n# SPDX-License-Identifier: EUPL-1.2\n"
    root = tree(
        {
            "LICENSES/EUPL-1.2.txt": "text",
            "src/a.py": header + "a = 1\n",
            "src/b.py": header + "b = 2\n",
            "src/c.py": "c = 3\n",
            "logo.png": b"\x89PNG\0\0binary",
            "logo.png.license": header,
            "LICENSE": "text",
        }
    )

    reuse = analyse_tree(root).reuse

    assert (reuse.files_considered, reuse.files_with_header, reuse.files_covered) == (4, 2, 3)
    assert reuse.uncovered == ("src/c.py",)
    assert reuse.header_share == 0.5
    assert reuse.compliant is False


@pytest.mark.parametrize(
    "bulk",
    [
        {
            "REUSE.toml": 'version = 1\n[[annotations]]\npath = ["src/**", "*.png"]\n'
            'SPDX-FileCopyrightText = "DINUM"\nSPDX-License-Identifier = "EUPL-1.2"\n'
        },
        {
            ".reuse/dep5": "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
            "Files: src/* *.png\nCopyright: DINUM\nLicense: EUPL-1.2\n"
        },
    ],
    ids=["REUSE.toml", "dep5"],
)
def test_it_counts_files_covered_by_a_bulk_declaration(bulk: dict[str, str], tree: Tree) -> None:
    files: dict[str, str | bytes] = {"LICENSES/EUPL-1.2.txt": "text", "src/deep/c.py": "c\n"}
    root = tree(
        {**files, "logo.png": b"\0", "other.py": "# SPDX-License-Identifier: MIT\n", **bulk}
    )

    reuse = analyse_tree(root).reuse

    assert reuse.compliant is True
    assert (reuse.files_considered, reuse.files_with_header) == (3, 1)


def test_it_is_not_reuse_compliant_without_a_licenses_folder(tree: Tree) -> None:
    root = tree({"a.py": "# SPDX-License-Identifier: MIT\n"})

    reuse = analyse_tree(root).reuse

    assert reuse.header_share == 1.0
    assert reuse.compliant is False


def test_it_finds_committed_secrets_and_never_shows_them(tree: Tree) -> None:
    github = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    gitlab = "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0"
    aws = "AKIA" + "QWERTYUIOPASDFGH"
    key_body = "MIIEowIBAAKCAQEA" + "q" * 60
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{key_body}\n-----END RSA PRIVATE KEY-----\n"
    root = tree(
        {
            "deploy/id_rsa": pem,
            "config/settings.py": f"DEBUG = True\nTOKEN = '{github}'\n",
            "ci/.gitlab-ci.yml": f"variables:\n  A: b\n  TOKEN: {gitlab}\n",
            "aws.cfg": f"[default]\nkey = {aws}\n",
            ".env": "DEBUG=1\nDB_PASSWORD=s3cr3t-Pa55\nAPI_KEY=\nSECRET_KEY=changeme\n",
            # Not secrets: the documented example key, a template, a header without a key.
            "docs/aws.md": "Use AKIAIOSFODNN7EXAMPLE as in the AWS docs.\n",
            ".env.example": "DB_PASSWORD=hunter2-real-looking\n",
            "docs/keys.md": "Paste it: -----BEGIN PRIVATE KEY----- ... here\n",
        }
    )

    analysis = analyse_tree(root)

    assert [(s.path, s.line, s.kind) for s in analysis.secrets] == [
        (".env", 2, "env_secret"),
        ("aws.cfg", 2, "aws_access_key_id"),
        ("ci/.gitlab-ci.yml", 3, "gitlab_token"),
        ("config/settings.py", 2, "github_token"),
        ("deploy/id_rsa", 1, "private_key"),
    ]
    printed = json.dumps(analysis.to_dict())
    for secret in (github, gitlab, aws, key_body, "s3cr3t-Pa55"):
        assert secret not in printed


def test_it_gives_every_kind_of_file_even_when_none_is_found(tree: Tree) -> None:
    root = tree({"main.c": "int main(void) { return 0; }\n"})

    data = analyse_tree(root).to_dict()

    assert list(data["files"]) == list(FILE_KINDS)
    assert all(paths == [] for paths in data["files"].values())
    assert data["activity"] is None
    assert data["reason"] is None
    json.dumps(data)
