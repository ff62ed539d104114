"""The draft: valid as it stands, built from the facts, with what to check marked."""

from __future__ import annotations

from datetime import date

import pytest

from communs.publiccode import LATEST_VERSION, validate, yamltree
from communs.publiccode.generator import TODO, Facts, draft, guess_language

FULL = Facts(
    name="medusa",
    url="https://github.com/italia/medusa",
    description="Un outil pour la gestion des données ouvertes.\n\nSecond paragraphe.",
    licence="AGPL-3.0-or-later",
    homepage="https://medusa.example.org",
    organisation_name="Ministère de l'Exemple",
    organisation_uri="https://exemple.gouv.fr",
    release_date=date(2024, 5, 1),
    software_version="v1.2.0",
)


def values(text: str) -> dict[str, object]:
    """The draft read back as plain data, through the validator's own YAML reader."""

    def plain(node: yamltree.Node | None) -> object:
        assert node is not None
        if node.kind == yamltree.MAPPING:
            return {key.text: plain(value) for key, value in node.pairs}
        if node.kind == yamltree.SEQUENCE:
            return [plain(item) for item in node.items]
        return node.text

    data = plain(yamltree.parse(text))
    assert isinstance(data, dict)
    return data


def test_it_drafts_a_valid_file_from_what_is_known() -> None:
    text = draft(FULL)
    report = validate(text)
    assert report.valid and report.results == ()
    data = values(text)
    assert data["publiccodeYmlVersion"] == LATEST_VERSION
    assert data["name"] == "medusa"
    assert data["url"] == "https://github.com/italia/medusa"
    assert data["landingURL"] == "https://medusa.example.org"
    assert data["softwareVersion"] == "v1.2.0"
    assert data["releaseDate"] == "2024-05-01"
    assert data["organisation"] == {
        "name": "Ministère de l'Exemple",
        "uri": "https://exemple.gouv.fr",
    }
    assert data["legal"] == {
        "license": "AGPL-3.0-or-later",
        "mainCopyrightOwner": "Ministère de l'Exemple",
    }
    description = data["description"]
    assert isinstance(description, dict) and list(description) == ["fr"]
    assert description["fr"]["shortDescription"] == "Un outil pour la gestion des données ouvertes."
    assert "Second paragraphe." in description["fr"]["longDescription"]
    assert data["localisation"] == {"localisationReady": "false", "availableLanguages": ["fr"]}


def test_it_marks_what_a_person_must_check() -> None:
    text = draft(FULL)
    todo = [line.strip() for line in text.splitlines() if line.strip().startswith(TODO)]
    marked = "\n".join(todo)
    for subject in ("platforms", "development", "standalone", "rewrite", "features", "licence"):
        assert subject in marked, subject
    assert "internal or community" in marked
    # Markers are comments: the values themselves hold none.
    assert not any("TODO" in str(value) for value in values(text).values())


def test_a_minimal_draft_from_an_address_alone_is_valid() -> None:
    text = draft(Facts(name="", url="https://gitlab.example.org/group/outil.git"))
    assert validate(text).valid
    data = values(text)
    assert data["name"] == "outil"
    assert data["legal"] == {"license": "LicenseRef-unknown"}
    assert "organisation" not in data and "releaseDate" not in data
    assert "the SPDX identifier of the licence: none was detected" in text


@pytest.mark.parametrize(
    "facts",
    [
        Facts(name='a: "b" #c\x00\x1b[31m', url="https://x.example/a/b", licence="NOASSERTION"),
        Facts(name="x", url="https://x.example/a/b", description="\u2028\x85\ufeff\r\n\t" * 50),
        Facts(name="x", url="https://x.example/a/b", description="é" * 20_000, language="??"),
        Facts(name="x", url="https://x.example/a/b", licence="not a licence (really)"),
        Facts(name="x", url="https://x.example/a/b", homepage="javascript:alert(1)"),
        Facts(name="x", url="https://x.example/a/b", organisation_name="X", organisation_uri="x y"),
        Facts(name="x", url="https://x.example/a/b", description="   \n  indented\n    more"),
        Facts(name="x" * 500, url="https://x.example/a/b", description="y" * 500, archived=True),
    ],
)
def test_the_draft_stays_valid_whatever_the_forge_says(facts: Facts) -> None:
    report = validate(draft(facts))
    assert report.valid, report.results


def test_a_long_description_is_cut_within_the_standards_bounds() -> None:
    data = values(draft(Facts(name="x", url="https://x.example/a/b", description="mot " * 5000)))
    short = data["description"]["en"]["shortDescription"]  # type: ignore[index]
    assert len(short) <= 150 and short.endswith("…")


def test_an_archived_repository_is_drafted_obsolete() -> None:
    archived = Facts(name="x", url="https://x.example/a/b", archived=True)
    assert values(draft(archived))["developmentStatus"] == "obsolete"
    assert values(draft(Facts(name="x", url="https://x.example/a/b")))["developmentStatus"] == (
        "development"
    )


def test_it_guesses_the_language_of_a_description() -> None:
    assert guess_language("Un outil pour la gestion des données") == "fr"
    assert guess_language("A tool to manage open data for local authorities") == "en"
    assert guess_language("") == "en"


def test_the_generator_and_the_fetching_rules_need_no_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import communs.publiccode.generator, communs.publiccode.remote; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert found.stdout.strip() == "[]"
