"""The same collect against the emulator's forge, which speaks git's smart HTTP (and so
honours ``--filter``), as a harvested repository would be fetched."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tests.accounts.people import make_software

from communs.contributions.collect import collect
from communs.contributions.models import CommitCount
from communs.emulator import EmulatorServer, build_world
from communs.emulator.content import plan_for
from communs.repositories.models import Repository
from communs.sources.models import Forge


def test_a_harvested_repository_on_the_emulator_is_counted(db, settings, tmp_path: Path):
    world = build_world(repositories=24, owners=4, seed=3, now=datetime(2025, 6, 1, tzinfo=UTC))
    server = EmulatorServer(world, None, git_root=tmp_path / "git")
    server.start()
    try:
        github = world.forges["github"]
        records = [github.record(i) for i in github.all()]
        record = max(records, key=lambda r: len(plan_for(r).commits))
        plan = plan_for(record)
        domains = sorted({c.author.email.rpartition("@")[2] for c in plan.commits})
        # Only the first author's domain is public sector here.
        settings.PUBLIC_SECTOR_DOMAINS = domains[:1]
        forge = Forge.objects.create(
            host=f"{server.url.removeprefix('http://')}/github",
            kind="github",
            url=f"{server.url}/github-web",
            api_url=f"{server.url}/github",
        )
        repository = Repository.objects.create(
            forge=forge, full_path=record.full_path, name=record.name, url="http://x.invalid/"
        )
        make_software("Emulé", repository=repository)

        result = collect()
    finally:
        server.stop()

    assert (result.counted, result.failed) == (1, 0), result.errors
    expected = Counter(
        (c.when.year, c.author.email.endswith("@" + domains[0])) for c in plan.commits
    )
    stored = Counter()
    for year, public, n in CommitCount.objects.values_list("year", "public_sector", "commits"):
        stored[(year, public)] += n
    assert stored == expected
