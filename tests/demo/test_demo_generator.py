"""The demo generator: deterministic, sized as asked, plausible, in the 2025 sources format."""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from communs.demo.generator import (
    GITHUB,
    GITLAB,
    MINISTRIES_FILENAME,
    SOURCES_FILENAME,
    DemoData,
    generate,
)
from communs.forges.kinds import KINDS
from communs.forges.records import RepositoryRecord
from communs.sources import sourcefiles

NOW = datetime(2026, 3, 1, tzinfo=UTC)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
FRENCH = re.compile(r"\b(des|du|de la|de l'|pour|et|sur)\b|[éèàçê]")


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate(seed=3, now=NOW)


def records_of(data: DemoData) -> list[RepositoryRecord]:
    return [record for records in data.repositories.values() for record in records]


def test_it_gives_the_same_data_for_the_same_seed() -> None:
    first = generate(organisations=60, repositories=500, seed=11, now=NOW)
    second = generate(organisations=60, repositories=500, seed=11, now=NOW)
    assert first.sources_yaml() == second.sources_yaml()
    assert first.ministries_yaml() == second.ministries_yaml()
    assert first.organisations == second.organisations
    assert first.repositories == second.repositories


def test_it_gives_other_data_for_another_seed() -> None:
    first = generate(organisations=60, repositories=500, seed=11, now=NOW)
    other = generate(organisations=60, repositories=500, seed=12, now=NOW)
    assert first.sources_yaml() != other.sources_yaml()
    assert {o.name for o in first.organisations} != {o.name for o in other.organisations}
    first_paths = {r.full_path for r in records_of(first)}
    other_paths = {r.full_path for r in records_of(other)}
    assert first_paths != other_paths


def test_it_leaves_the_global_random_generator_alone() -> None:
    random.seed(5)
    state = random.getstate()
    generate(organisations=20, repositories=50, now=NOW)
    assert random.getstate() == state


@pytest.mark.parametrize(
    ("organisations", "repositories"), [(2, 0), (2, 5), (40, 300), (300, 3000), (1500, 100)]
)
def test_it_honours_the_sizes(organisations: int, repositories: int) -> None:
    data = generate(organisations=organisations, repositories=repositories, now=NOW)
    assert len(data.organisations) == organisations
    assert len({o.pso_id for o in data.organisations}) == organisations
    assert len({o.name for o in data.organisations}) == organisations
    assert data.repository_count == repositories
    assert 1 <= len(data.ministries) < organisations


def test_it_lists_every_organisation_in_the_sources(data: DemoData) -> None:
    named = {a.pso_id for a in data.accounts} | {f.pso_id for f in data.forges if f.whole}
    named |= set(data.ministries)
    assert named == {o.pso_id for o in data.organisations}
    ministries = set(data.ministries)
    assert all(o.ministry in ministries for o in data.organisations if o.category != "ministry")


def test_it_mixes_shared_and_whole_forges(data: DemoData) -> None:
    kinds = {f.host: f.kind for f in data.forges}
    assert (kinds[GITHUB], kinds[GITLAB]) == ("github", "gitlab")
    whole = [f for f in data.forges if f.whole]
    assert 2 <= len(whole) <= 6
    assert {"gitlab", "gitea"} <= {f.kind for f in whole}
    assert all(data.repositories.get(f.host) for f in data.forges)
    # gitlab.com owners include sub-groups, some of them under another listed group.
    gitlab_paths = [a.path for a in data.accounts if a.host == GITLAB]
    nested = [p for p in gitlab_paths if "/" in p]
    assert nested
    assert any(p.rsplit("/", 1)[0] in gitlab_paths for p in nested)


def test_it_puts_every_record_under_a_listed_owner_or_on_a_whole_forge(data: DemoData) -> None:
    forges = {f.host: f for f in data.forges}
    for host, records in data.repositories.items():
        owners = [a.path.lower() for a in data.accounts if a.host == host]
        for record in records:
            assert record.url == f"{forges[host].url}/{record.full_path}"
            assert record.full_path.count("/") >= 1
            if not forges[host].whole:
                path = record.full_path.lower()
                assert any(path.startswith(owner + "/") for owner in owners), record.full_path


def test_it_gives_unique_ids_and_paths_on_each_forge(data: DemoData) -> None:
    for records in data.repositories.values():
        ids = [r.native_id for r in records]
        assert all(ids)
        assert len(set(ids)) == len(ids)
        assert len({r.full_path.lower() for r in records}) == len(records)
        # Ids grow with creation, as forges number them.
        ordered = sorted(records, key=lambda r: int(r.native_id or 0))
        dates = [r.created_at for r in ordered]
        assert dates == sorted(dates)  # type: ignore[type-var]


def test_it_puts_some_gitlab_repositories_in_unlisted_sub_groups(data: DemoData) -> None:
    listed = {a.path.lower() for a in data.accounts if a.host == GITLAB}
    owners = {r.owner.lower() for r in data.repositories[GITLAB]}
    assert owners - listed


def test_it_draws_plausible_licences_languages_and_flags(data: DemoData) -> None:
    records = records_of(data)
    licences = Counter(r.license for r in records)
    assert {"MIT", "AGPL-3.0", "GPL-3.0", "Apache-2.0", "EUPL-1.2", "CECILL-2.1"} <= set(licences)
    assert {"etalab-2.0", "MPL-2.0", "LGPL-3.0", ""} <= set(licences)
    # No licence is the most common case, MIT the most common licence.
    assert [name for name, _ in licences.most_common(2)] == ["", "MIT"]
    languages = Counter(r.language for r in records)
    assert len(languages) >= 15
    assert languages.most_common(1)[0][0] == "Python"
    assert all(r.languages.get(r.language) for r in records if r.language)
    share = len(records)
    assert 0.05 < sum(bool(r.is_fork) for r in records) / share < 0.25
    assert 0.03 < sum(r.is_archived for r in records) / share < 0.3
    assert 0 < sum(r.is_template for r in records) / share < 0.05
    assert sum(bool(r.topics) for r in records) > share / 10


def test_it_draws_stars_and_forks_on_a_long_tail(data: DemoData) -> None:
    stars = [r.stars for r in records_of(data)]
    forks = [r.forks for r in records_of(data)]
    assert statistics.median(stars) <= 3
    assert max(stars) >= 200
    assert sum(s == 0 for s in stars) > len(stars) / 4
    assert max(forks) >= 20
    assert all(value >= 0 for value in stars + forks)


def test_it_writes_descriptions_in_french_and_english(data: DemoData) -> None:
    descriptions = [r.description for r in records_of(data)]
    french = [d for d in descriptions if d and FRENCH.search(d)]
    english = [d for d in descriptions if d and not FRENCH.search(d)]
    assert len(french) > len(descriptions) / 2
    assert len(english) > len(descriptions) / 10
    assert descriptions.count("") > 0


def test_it_keeps_dates_in_the_past_and_in_order(data: DemoData) -> None:
    records = records_of(data)
    for r in records:
        assert r.created_at and r.pushed_at and r.updated_at
        assert r.created_at.tzinfo is not None
        assert r.created_at <= r.pushed_at <= r.updated_at < NOW
    created = [r.created_at for r in records if r.created_at]
    assert min(created) < NOW - timedelta(days=8 * 365)
    assert max(created) > NOW - timedelta(days=60)
    archived = [r.pushed_at for r in records if r.is_archived and r.pushed_at]
    live = [r.pushed_at for r in records if not r.is_archived and r.pushed_at]
    assert statistics.median(archived) < statistics.median(live)  # type: ignore[type-var]


def test_it_writes_yaml_in_the_2025_host_keyed_format(data: DemoData, tmp_path: Path) -> None:
    path = data.write_sources(tmp_path)
    assert path == tmp_path / SOURCES_FILENAME
    document = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert list(document) == [f.host for f in data.forges]
    pso_ids = {o.pso_id for o in data.organisations}
    for forge in data.forges:
        entry = document[forge.host]
        assert entry["forge"] in KINDS
        if forge.whole:
            assert set(entry) == {"forge", "pso_id"}
            assert entry["pso_id"] == forge.pso_id
            continue
        assert set(entry) == {"forge", "owners"}
        owners = entry["owners"]
        assert list(owners) == [a.path for a in data.accounts if a.host == forge.host]
        for fields in owners.values():
            assert set(fields) <= {"pso_id", "floss_policy", "ospo_url"}
            assert UUID.fullmatch(fields["pso_id"]) and fields["pso_id"] in pso_ids
            for key in ("floss_policy", "ospo_url"):
                assert fields.get(key, "https://").startswith("https://")
    ministries = YAML(typ="safe").load((tmp_path / MINISTRIES_FILENAME).read_text("utf-8"))
    assert ministries == data.ministries
    assert any("'" in name for name in ministries.values())  # quoting is exercised


def test_its_files_read_cleanly_with_the_sources_reader(data: DemoData, tmp_path: Path) -> None:
    path = data.write_sources(tmp_path)
    sources = sourcefiles.read_file(path)
    assert sources.format == sourcefiles.HOST_KEYED
    assert sources.problems == []
    assert {f.host: f.scope for f in sources.forges} == {
        f.host: "instance" if f.whole else "owners" for f in data.forges
    }
    ministries = sourcefiles.read_file(tmp_path / MINISTRIES_FILENAME)
    assert ministries.problems == []
    assert ministries.ministries == data.ministries


def test_it_refuses_impossible_sizes() -> None:
    with pytest.raises(ValueError, match="at least 2 organisations"):
        generate(organisations=1)
    with pytest.raises(ValueError, match="negative"):
        generate(repositories=-1)


def test_it_generates_the_default_size() -> None:
    # How fast is for benchmarks/exports.py (which times generation with the load).
    data = generate(seed=1)
    assert (len(data.organisations), data.repository_count) == (300, 3000)
