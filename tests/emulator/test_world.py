"""The emulated world: built from the demo generator, tiled past its cap, touched on demand."""

from __future__ import annotations

import pytest

from communs.emulator import world as world_module
from communs.emulator.world import Listing, build_world, organisations_for

from .conftest import NOW, small_world


def everything(world: world_module.World) -> list[tuple[str, str, str | None]]:
    return [
        (name, forge.record(i).full_path, forge.record(i).native_id)
        for name, forge in world.forges.items()
        for i in forge.all()
    ]


def test_it_gives_the_same_world_for_the_same_seed() -> None:
    assert everything(small_world()) == everything(small_world())
    assert everything(small_world()) != everything(small_world(seed=4))


def test_it_serves_every_dialect_with_the_requested_count(world: world_module.World) -> None:
    assert world.repository_count == 240
    assert {forge.dialect for forge in world.forges.values()} == {"github", "gitlab", "gitea"}
    for forge in world.forges.values():
        paths = [forge.record(i).full_path.lower() for i in forge.all()]
        assert len(set(paths)) == len(paths)
        if forge.dialect != "gitlab":
            # Only GitLab nests owners: elsewhere a path is owner/name.
            assert all(path.count("/") == 1 for path in paths)


def test_it_lists_about_the_requested_number_of_owners() -> None:
    for owners in (24, 300):
        world = build_world(repositories=10, owners=owners, seed=1, now=NOW)
        listed = sum(1 for f in world.forges.values() for o in f.owners.values() if o.organisation)
        assert abs(listed - owners) <= max(2, owners // 50)
    assert organisations_for(1, seed=0) == 2


def test_it_tiles_copies_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world_module, "BASE_CAP", 60)
    world = build_world(repositories=1000, owners=24, seed=3, now=NOW)
    assert world.repository_count == 1000
    for forge in world.forges.values():
        assert len(forge.base) < forge.count
        ids = [forge.native_id(i) for i in forge.all()]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        for index in forge.all():
            record = forge.record(index)
            assert forge.find(record.full_path.upper()) == index
            assert forge.find_id(int(record.native_id or 0)) == index
        # Every repository belongs to exactly one owner listing.
        listed = [i for owner in forge.owners.values() for i in forge.owner_listing(owner)]
        assert sorted(listed) == list(forge.all())
    github = world.forges["github"]
    copy = github.record(len(github.base))
    assert copy.name.endswith("-v2") and copy.owner == github.record(0).owner
    assert github.find(copy.full_path + "0") is None
    assert github.find(f"{github.record(0).full_path}-v999") is None


def test_it_pages_a_listing_with_a_partial_last_copy() -> None:
    listing = Listing([1, 4, 7], base=10, count=25)
    assert list(listing) == [1, 4, 7, 11, 14, 17, 21, 24]
    assert listing[-1] == 24 and listing[2:4] == [7, 11]
    with pytest.raises(IndexError):
        listing[8]


def test_it_touches_exactly_the_fraction_asked(world: world_module.World) -> None:
    dates = {
        (name, forge.record(i).full_path): forge.record(i).updated_at
        for name, forge in world.forges.items()
        for i in forge.all()
    }
    touched = world.touch(0.05, seed=7)
    assert len(touched) == round(0.05 * 240) == len(set(touched))
    changed = {
        (name, forge.record(i).full_path)
        for name, forge in world.forges.items()
        for i in forge.all()
        if forge.record(i).updated_at != dates[(name, forge.record(i).full_path)]
    }
    assert changed == set(touched)
    for name, path in touched:
        record = world.forges[name].record(world.forges[name].find(path) or 0)
        assert record.pushed_at == record.updated_at and record.updated_at > NOW
    assert small_world().touch(0.05, seed=7) == touched
    world.reset()
    assert not world.touched
    with pytest.raises(ValueError):
        world.touch(1.5, seed=1)
