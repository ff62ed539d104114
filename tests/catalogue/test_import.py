"""``communs catalogue import-sill``: statuses, parents, similar software, instances;
one transaction; a second run changes nothing; bad files change nothing."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import translation

from communs.catalogue.importer import import_sill
from communs.catalogue.models import (
    AttributeValue,
    Category,
    Instance,
    Moderation,
    SimilarSoftware,
    Software,
)
from communs.catalogue.sill import SillError, normalise_licence, read_sill
from communs.repositories.models import Repository
from communs.sources.models import Forge, Organisation

from .conftest import sill_entry, sill_row, write_sill

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list]:
    """Every catalogue row the import writes, with every field."""
    return {
        "software": list(Software.objects.order_by("pk").values()),
        "categories": list(Category.objects.order_by("pk").values()),
        "links": sorted(Software.categories.through.objects.values_list("software", "category")),
        "similar": sorted(SimilarSoftware.objects.values_list("from_software", "to_software")),
        "attributes": list(AttributeValue.objects.order_by("pk").values()),
        "instances": list(Instance.objects.order_by("pk").values()),
    }


def test_it_imports_entries_statuses_parents_similar_and_instances(small_sill: Path) -> None:
    report = import_sill(small_sill)

    assert report.counts["software:created"] == 4
    by_name = {s.name: s for s in Software.objects.all()}
    assert {name: s.status for name, s in by_name.items()} == {
        "Tableur": "recommended",
        "Greffon": "recommended",
        "Traitement": "observation",
        "Ancien": "dereferenced",
    }
    assert all(s.moderation == Moderation.PUBLISHED for s in by_name.values())
    assert by_name["Greffon"].parent == by_name["Tableur"]
    assert list(by_name["Traitement"].similar.all()) == [by_name["Ancien"]]
    # Similarity goes both ways.
    assert list(by_name["Ancien"].similar.all()) == [by_name["Traitement"]]
    assert by_name["Ancien"].last_recommended_version == "2.4"
    assert by_name["Greffon"].licence == "GPL-2.0"
    assert by_name["Greffon"].is_free
    assert by_name["Traitement"].licence == "" and not by_name["Traitement"].is_free
    tableur = by_name["Tableur"]
    assert tableur.description_fr == "Un **tableur**."
    assert tableur.repository_url == "https://git.example.org/tableur"
    assert tableur.added_at.year == 2020
    # "Données et contenu" and "Données & contenu" are one sector; its category below it.
    assert sorted(tableur.categories.values_list("slug", flat=True)) == [
        "bureautique",
        "donnees-et-contenu",
    ]
    assert Category.objects.get(slug="bureautique").parent.slug == "donnees-et-contenu"
    assert by_name["Traitement"].categories.get().slug == "donnees-et-contenu"
    attributes = {v.definition.key: v.typed_value for v in tableur.attribute_values.all()}
    assert attributes["in_support_contract"] is True
    assert attributes["mim_group"] == "MIMO"
    # Three services: two of Tableur, one of software the catalogue does not hold.
    instances = {i.sill_service_id: i for i in Instance.objects.all()}
    assert len(instances) == 3
    assert instances[10].software == tableur and instances[10].public
    assert not instances[11].public and instances[11].audience == "Agents publics"
    assert instances[12].software is None and instances[12].software_name == "Pix"
    assert report.unknown_references == ["Traitement ~ Ailleurs"]


def test_a_second_run_changes_nothing(small_sill: Path) -> None:
    import_sill(small_sill)
    before = snapshot()

    report = import_sill(small_sill)

    assert report.changed == 0
    assert report.counts["software:unchanged"] == 4
    assert snapshot() == before


def test_a_changed_file_updates_only_what_changed(small_sill: Path) -> None:
    import_sill(small_sill)
    untouched = Software.objects.get(sill_id=1).updated_at
    rows = (small_sill / "software.csv").read_text(encoding="utf-8")
    (small_sill / "software.csv").write_text(
        rows.replace("Function of Traitement", "Éditeur de texte"), encoding="utf-8"
    )

    report = import_sill(small_sill)

    assert report.counts["software:updated"] == 1
    assert Software.objects.get(sill_id=3).function == "Éditeur de texte"
    assert Software.objects.get(sill_id=1).updated_at == untouched


def test_it_links_an_entry_to_the_harvested_repository_at_its_url(small_sill: Path) -> None:
    forge = Forge.objects.create(host="git.example.org", kind="gitlab")
    repository = Repository.objects.create(
        forge=forge, full_path="tableur", name="tableur", url="https://git.example.org/tableur/"
    )

    import_sill(small_sill)

    assert Software.objects.get(sill_id=1).repository == repository


def test_instances_are_tied_to_known_organisations_by_name(small_sill: Path) -> None:
    dinum = Organisation.objects.create(key="dinum", name="Dinum")

    import_sill(small_sill)

    assert Instance.objects.get(sill_service_id=10).organisation == dinum


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "services.csv").unlink(), "services.csv: missing"),
        (lambda d: (d / "sill-softwares.json").write_text("[{"), "sill-softwares.json line 1"),
        (lambda d: (d / "sill-softwares.json").write_text("{}"), "a JSON list is expected"),
        (
            lambda d: (d / "software.csv").write_text("nom,statut\nx,R\n"),
            "software.csv: missing columns ID",
        ),
        (
            lambda d: (d / "software.csv").write_text(
                (d / "software.csv").read_text() + '5,"unterminated\n'
            ),
            "software.csv line",
        ),
        (
            lambda d: (d / "software.csv").write_bytes(b"ID,nom\n\xff\xfe\n"),
            "not UTF-8",
        ),
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    small_sill: Path, tmp_path: Path, damage, message: str
) -> None:
    import_sill(small_sill)
    before = snapshot()
    broken = tmp_path / "broken"
    shutil.copytree(small_sill, broken)
    damage(broken)

    with pytest.raises(SillError, match=message):
        import_sill(broken)

    assert snapshot() == before


def test_unknown_ids_are_refused(tmp_path: Path) -> None:
    rows = [sill_row(1, "Un")]
    directory = write_sill(
        tmp_path / "a",
        rows,
        [sill_entry(1, "Un", parentSoftware={"isKnown": True, "softwareId": 99})],
        [],
    )
    with pytest.raises(SillError, match="unknown parent id 99"):
        import_sill(directory)
    directory = write_sill(
        tmp_path / "b",
        rows,
        [sill_entry(1, "Un", alikeSoftwares=[{"isKnown": True, "softwareId": 7}])],
        [],
    )
    with pytest.raises(SillError, match="unknown similar software id 7"):
        import_sill(directory)
    from .conftest import service_row

    directory = write_sill(tmp_path / "c", rows, [sill_entry(1, "Un")], [service_row(1, 42, "X")])
    with pytest.raises(SillError, match="software_sill_id 42 is not an ID"):
        import_sill(directory)
    duplicated = write_sill(tmp_path / "d", rows + rows, [], [])
    with pytest.raises(SillError, match="ID 1 appears twice"):
        import_sill(duplicated)
    assert Software.objects.count() == 0


def test_the_command_reports_and_fails_clearly(small_sill: Path, tmp_path: Path) -> None:
    out = StringIO()
    call_command("catalogue", "import-sill", str(small_sill), stdout=out)
    assert "software:created" in out.getvalue()
    out = StringIO()
    with translation.override("en"):
        call_command("catalogue", "import-sill", str(small_sill), stdout=out)
    assert "Nothing changed." in out.getvalue()
    with pytest.raises(CommandError, match="software.csv: missing"):
        call_command("catalogue", "import-sill", str(tmp_path), stdout=StringIO())


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("Apache-2.0", "Apache-2.0"),
        ("GPL V2.0", "GPL-2.0"),
        ("AGPL-3", "AGPL-3.0"),
        ("LGPL-v2.1", "LGPL-2.1"),
        ("BSD-3.0", "BSD-3-Clause"),
        ("X11", "X11"),
        ("N/A", ""),
        ("MPL 2.0 et EPL 1.0", "MPL-2.0 AND EPL-1.0"),
        ("GPL-2.0-only / LGPL-2.0-only", "GPL-2.0-only AND LGPL-2.0-only"),
        ("LGPL-3.0, GPL-3.0, MPL-2.0", "LGPL-3.0 AND GPL-3.0 AND MPL-2.0"),
    ],
)
def test_licences_become_spdx_expressions(text: str, expression: str) -> None:
    assert normalise_licence(text) == expression


# -- the real 2022 SILL ------------------------------------------------------------------


def test_the_2022_sill_gives_every_entry_of_software_csv(shared: Path) -> None:
    directory = shared / "data/sill-2022"
    catalogue = read_sill(directory)
    rows = (directory / "software.csv").read_text(encoding="utf-8")
    import csv

    listed = {int(row["ID"]) for row in csv.DictReader(rows.splitlines())}

    report = import_sill(directory)

    assert set(Software.objects.values_list("sill_id", flat=True)) == listed
    assert report.counts["software:created"] == len(listed) == len(catalogue.software)
    statuses = dict(Software.objects.values_list("status").annotate(n=Count("pk")))
    expected = {"R": "recommended", "O": "observation", "FR": "dereferenced"}
    by_csv: dict[str, int] = {}
    for row in csv.DictReader(rows.splitlines()):
        by_csv[expected[row["statut"]]] = by_csv.get(expected[row["statut"]], 0) + 1
    assert statuses == by_csv
    entries = json.loads((directory / "sill-softwares.json").read_text(encoding="utf-8"))
    parents = {
        e["_id"]: e["parentSoftware"]["softwareId"]
        for e in entries
        if e.get("parentSoftware", {}).get("isKnown") and e["_id"] in listed
    }
    stored = dict(
        Software.objects.filter(parent__isnull=False).values_list("sill_id", "parent__sill_id")
    )
    assert stored == parents and len(parents) > 20
    assert Instance.objects.count() == 100
    assert Instance.objects.filter(software__isnull=False).count() > 50
    assert SimilarSoftware.objects.count() > 0

    before = snapshot()
    again = import_sill(directory)
    assert again.changed == 0
    assert snapshot() == before


def test_the_import_writes_what_it_changed_to_the_audit_log(small_sill: Path) -> None:
    from communs.audit.models import AuditEntry
    from communs.catalogue.importer import IMPORT_ACTION

    import_sill(small_sill)
    assert AuditEntry.objects.filter(action=IMPORT_ACTION, actor=None).count() == 4
    rows = (small_sill / "software.csv").read_text(encoding="utf-8")
    (small_sill / "software.csv").write_text(
        rows.replace("Function of Traitement", "Éditeur de texte"), encoding="utf-8"
    )
    import_sill(small_sill)
    import_sill(small_sill)  # nothing changes: nothing recorded
    entries = AuditEntry.objects.filter(action=IMPORT_ACTION).order_by("-pk")
    assert entries.count() == 5
    assert entries.first().changes == {
        "function": {"before": "Function of Traitement", "after": "Éditeur de texte"}
    }
