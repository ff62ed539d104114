"""Loading a generated data set through the real importer and the shared upsert.

These run in-process, so they run on PostgreSQL too when COMMUNS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from communs.demo.generator import DemoData, generate
from communs.demo.management.commands.demo import MARKER, load_demo, prepare_folder
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, ForgeScope, Organisation

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate(organisations=60, repositories=600, seed=4, now=NOW)


@pytest.mark.django_db
def test_the_generated_sources_import_without_problems(data: DemoData, tmp_path: Path) -> None:
    from communs.sources.importer import import_sources

    report = import_sources([data.write_sources(tmp_path)])
    assert (report.skipped, report.warnings) == ([], [])
    # The list of ministries beside it was read too.
    assert [(f.path.name, f.sibling) for f in report.files] == [
        ("comptes-organismes-publics.yml", False),
        ("top_organizations.yml", True),
    ]
    assert report.organisations.new == len(data.organisations)
    assert Forge.objects.count() == len(data.forges)
    assert Account.objects.count() == len(data.accounts)
    assert Organisation.objects.count() == len(data.organisations)
    whole = {f.host for f in data.forges if f.whole}
    assert set(Forge.objects.filter(scope=ForgeScope.INSTANCE).values_list("host", flat=True)) == (
        whole
    )


@pytest.mark.django_db
def test_it_loads_everything_with_counts_matching(data: DemoData, tmp_path: Path) -> None:
    summary = load_demo(data, tmp_path)
    assert (summary.organisations, summary.forges, summary.accounts, summary.repositories) == (
        len(data.organisations),
        len(data.forges),
        len(data.accounts),
        data.repository_count,
    )
    stored = Repository.objects.get(
        forge__host="github.com", native_id=data.repositories["github.com"][0].native_id
    )
    record = data.repositories["github.com"][0]
    assert (stored.full_path, stored.description, stored.stars, stored.created_at) == (
        record.full_path,
        record.description,
        record.stars,
        record.created_at,
    )
    assert stored.last_harvested_at is not None
    # Repositories of shared forges all found their account, the longest listed prefix.
    shared = Repository.objects.filter(forge__scope=ForgeScope.OWNERS)
    assert not shared.filter(account__isnull=True).exists()
    for repository in shared.select_related("account"):
        assert repository.full_path.lower().startswith(repository.account.path.lower() + "/")
        deeper = [
            a.path
            for a in data.accounts
            if a.host == repository.forge.host
            and len(a.path) > len(repository.account.path)
            and repository.full_path.lower().startswith(a.path.lower() + "/")
        ]
        assert deeper == []


@pytest.mark.django_db
def test_it_names_organisations_and_ties_them_to_their_ministry(
    data: DemoData, tmp_path: Path
) -> None:
    load_demo(data, tmp_path)
    made_up = {o.pso_id: o for o in data.organisations}
    for row in Organisation.objects.select_related("parent"):
        organisation = made_up[row.pso_id]
        assert row.name == organisation.name
        if organisation.category == "ministry":
            assert (row.level, row.parent) == (Organisation.Level.MINISTRY, None)
        else:
            assert row.parent is not None and row.parent.pso_id == organisation.ministry
            assert row.ministry == row.parent


def test_it_prepares_an_empty_or_demo_folder_and_refuses_others(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    prepare_folder(fresh)
    assert [p.name for p in fresh.iterdir()] == [MARKER]
    (fresh / "sub").mkdir()
    (fresh / "sub" / "file").write_text("x")
    prepare_folder(fresh)
    assert [p.name for p in fresh.iterdir()] == [MARKER]

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    (fresh / "link").symlink_to(outside, target_is_directory=True)
    prepare_folder(fresh)
    assert (outside / "keep").exists()

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes").write_text("x")
    with pytest.raises(CommandError, match="--home"):
        prepare_folder(other)
    assert (other / "notes").exists()
    afile = tmp_path / "a-file"
    afile.write_text("x")
    with pytest.raises(CommandError, match=str(afile)):
        prepare_folder(afile)
    assert afile.read_text() == "x"
