"""The validator's rules on small files: keys, types, versions, positions, files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from communs.publiccode import ERROR, WARNING, validate

MINIMAL = """\
publiccodeYmlVersion: "0"
name: Medusa
url: "https://github.com/italia/medusa.git"
platforms:
  - web
developmentStatus: development
softwareType: "standalone/other"
description:
  en:
    shortDescription: A short description
    longDescription: >
      {long}
    features:
      - One feature
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: "community"
  contacts:
    - name: Francesco Rossi
localisation:
  localisationReady: true
  availableLanguages:
    - en
""".replace("{long}", "A long description. " * 10)


def keys(text: str, **kwargs: object) -> set[tuple[str, str]]:
    return {(r.level, r.key) for r in validate(text, **kwargs).results}


def test_it_accepts_a_minimal_file() -> None:
    report = validate(MINIMAL)
    assert report.valid and report.results == ()


def test_it_requires_the_standard_keys_and_points_at_the_mapping() -> None:
    text = MINIMAL.replace("name: Medusa\n", "").replace("  license: AGPL-3.0-or-later\n", "")
    text = text.replace("legal:\n", "legal:\n  mainCopyrightOwner: Someone\n")
    report = validate(text)
    found = {(r.key, r.description, r.line, r.column) for r in report.results}
    assert ("name", "name is a required field", 1, 1) in found
    assert ("legal.license", "license is a required field", 15, 3) in found
    assert not report.valid


def test_it_requires_contractors_only_for_contract_maintenance() -> None:
    contract = MINIMAL.replace('type: "community"', 'type: "contract"')
    assert (ERROR, "maintenance.contractors") in keys(contract)
    with_contractor = MINIMAL.replace(
        "  contacts:", "  contractors:\n    - name: ACME\n      until: 2030-01-01\n  contacts:"
    )
    assert keys(with_contractor) == {(ERROR, "maintenance.contractors")}
    no_contacts = MINIMAL.replace("  contacts:\n    - name: Francesco Rossi\n", "")
    assert keys(no_contacts) == {(ERROR, "maintenance.contacts")}


def test_it_refuses_yaml_1_1_booleans() -> None:
    report = validate(MINIMAL.replace("localisationReady: true", "localisationReady: yes"))
    assert {(r.key, r.description) for r in report.results} >= {
        ("localisation.localisationReady", "wrong type for this field"),
        ("localisation.localisationReady", "localisationReady is a required field"),
    }


def test_it_reports_unknown_keys_where_they_are() -> None:
    report = validate(MINIMAL + "foobar: 1\n")
    assert [(r.key, r.description, r.line) for r in report.results] == [
        ("foobar", 'unknown field "foobar"', MINIMAL.count("\n") + 1)
    ]


def test_it_counts_lengths_in_grapheme_clusters() -> None:
    # 150 "é" written as e + combining accent: 300 code points, 150 graphemes.
    text = MINIMAL.replace("A short description", "e\u0301" * 150)
    assert validate(text).valid
    assert keys(text.replace("e\u0301" * 150, "e\u0301" * 151)) == {
        (ERROR, "description.en.shortDescription")
    }


def test_it_checks_formats() -> None:
    bad = (
        MINIMAL.replace("AGPL-3.0-or-later", "MIT OR")
        .replace("    - en\n", "    - en_GB\n")
        .replace("platforms:", "releaseDate: 2023-02-29\nplatforms:")
        .replace("    - name: Francesco Rossi", "    - name: F\n      email: not-an-address")
    )
    assert keys(bad) == {
        (ERROR, "legal.license"),
        (ERROR, "localisation.availableLanguages[0]"),
        (ERROR, "releaseDate"),
        (ERROR, "maintenance.contacts[0].email"),
    }


def test_it_keeps_brackets_for_language_keys_that_are_not_words() -> None:
    text = MINIMAL.replace("  en:\n", "  en-GB:\n").replace("      - One feature\n", "")
    text = text.replace("    features:\n", "")
    assert keys(text) == {(ERROR, "description[en-GB].features")}


def test_it_handles_versions() -> None:
    old = validate(MINIMAL.replace('"0"', '"0.2"'))
    assert old.valid and [r.level for r in old.results] == [WARNING]
    unsupported = validate(MINIMAL.replace('"0"', '"1"'))
    assert [(r.key, r.line) for r in unsupported.results] == [("publiccodeYmlVersion", 0)]
    number = validate(MINIMAL.replace('"0"', "0.2"))
    assert [r.description for r in number.results] == ["wrong type for this field"]


def png(width: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, 10, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def test_it_checks_logos_next_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "wide.png").write_bytes(png(400))
    (tmp_path / "narrow.png").write_bytes(png(50))
    (tmp_path / "fake.png").write_bytes(b"GIF89a")

    def logo(value: str) -> list[str]:
        text = MINIMAL + f"logo: {value}\n"
        return [r.description for r in validate(text, base_url=str(tmp_path)).results]

    assert logo("wide.png") == []
    assert logo("narrow.png") == [
        f"invalid image size of 50 (min 120px of width): {tmp_path / 'narrow.png'}"
    ]
    assert logo("fake.png") == ["image: unknown format"]
    assert logo("missing.svg") == [f"no such file: {tmp_path / 'missing.svg'}"]
    assert logo("/etc/logo.png") == [
        "is an absolute path. Only relative paths or HTTP(s) URLs allowed"
    ]
    assert "outside the folder" in logo("../" + tmp_path.name + "/../x.png")[0]
    # Remote logos are not fetched without network checks.
    assert logo("https://example.org/logo.png") == []


def test_it_accepts_only_oembed_video_urls() -> None:
    text = MINIMAL.replace(
        "    features:", "    videos:\n      - https://www.youtube.com/watch?v=x\n    features:"
    )
    assert validate(text).valid
    assert keys(text.replace("www.youtube.com/watch?v=x", "example.org/video")) == {
        (ERROR, "description.en.videos[0]")
    }
