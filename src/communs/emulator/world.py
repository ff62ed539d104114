"""The emulator's world: the demo generator's forges and repositories, at any size.

:func:`build_world` asks :func:`communs.demo.generator.generate` for organisations,
forges, accounts and repositories, so that ``communs demo`` and the emulator share one
generator. Each forge of the generated data becomes an emulated forge served under a
path prefix named after its kind (``github``, ``gitlab``, ``gitea``, ``forgejo``; a
second forge of a kind is ``gitlab2``…).

Size. The generator holds every record in memory (about 1 KB each) and slows down past
a few hundred thousand, so a world larger than ``BASE_CAP`` repositories is *tiled*: the
generator makes ``BASE_CAP`` of them (the *base*), and the others are copies made on
demand from their index alone: copy ``c`` of a base repository lives under the same
owner, is named ``{name}-v{c + 1}``, has the native id ``base id + c * stride`` and the
base's other fields. Nothing is stored per copy, so a million repositories cost the
memory of the base, plus whatever ``touch`` changed.

Identity inside the world. Each forge numbers its repositories ``0 … count - 1`` in the
order of their native ids (copy after copy); that *index* is what listings slice.

Thread safety: a world is read by many server threads; :meth:`World.touch` and
:meth:`World.reset` take the world's lock and bump :attr:`World.version`, which keys
every cache, so readers never see a half-made change of a cached ordering.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import random
import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from communs.demo.generator import DemoAccount, DemoData, DemoOrganisation, generate
from communs.forges.records import RepositoryRecord

# Indices the orderings cache may hold in all (about 40 bytes each).
CACHE_ITEMS = 4_000_000
# Above this many repositories the generator makes a base that is tiled (see above).
BASE_CAP = 50_000

# The sizes of ``--size``: (owners, repositories).
SIZES: dict[str, tuple[int, int]] = {
    "small": (40, 400),
    "20k": (1_500, 20_000),
    "1m": (15_000, 1_000_000),
}

# The API dialect each generated forge kind is served in.
DIALECTS = {"github": "github", "gitlab": "gitlab", "gitea": "gitea", "forgejo": "gitea"}

_COPY = re.compile(r"^(?P<base>.+)-v(?P<copy>[0-9]+)$")
# Share of top-level namespaces without sub-groups that are users rather than organisations.
USER_SHARE = 8


def stable_int(*parts: object) -> int:
    """A 64-bit number from ``parts`` that never changes between runs (unlike ``hash``)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# Where every fork of the world was copied from: a made-up owner outside the listed ones
# (Gitea's ``parent`` and GitLab's ``forked_from_project`` name the same repositories).
UPSTREAM_OWNER = "upstream"


def upstream_of(record: RepositoryRecord) -> RepositoryRecord | None:
    """The repository a fork was copied from (``upstream/<name>``), None for a non-fork."""
    if not record.is_fork:
        return None
    return RepositoryRecord(
        full_path=f"{UPSTREAM_OWNER}/{record.name}",
        url="",
        native_id=str(1 + stable_int("upstream", record.name) % 1_000_000),
        description=record.description,
        default_branch=record.default_branch,
        is_fork=False,
        created_at=record.created_at,
        updated_at=record.updated_at,
        pushed_at=record.pushed_at,
        stars=record.stars * 10,
        forks=record.forks * 10,
        language=record.language,
        license=record.license,
    )


@dataclass(frozen=True, slots=True)
class Owner:
    """An owner on an emulated forge: an organisation, a group or a user.

    ``organisation`` is the public body behind a listed account (None for a namespace of
    a whole forge); ``positions`` are the base positions of its own repositories.
    """

    path: str
    kind: str  # "org" (GitHub, Gitea), "group" (GitLab) or "user"
    id: int
    display_name: str
    organisation: DemoOrganisation | None = None
    positions: tuple[int, ...] = ()


class Listing(Sequence[int]):
    """The indices of some base positions on every copy, in ascending index order.

    With ``positions`` sorted, item ``j`` is copy ``j // k`` of position ``positions[j % k]``;
    the last copy may be partial (only positions below ``count % base``).
    """

    def __init__(self, positions: Sequence[int], base: int, count: int) -> None:
        self.positions = positions
        self.base = base
        k = len(positions)
        full, rest = divmod(count, base) if base else (0, 0)
        self.length = full * k + bisect.bisect_left(positions, rest) if k else 0

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, j: int) -> int:  # type: ignore[override]
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(self.length))]  # type: ignore[return-value]
        if j < 0:
            j += self.length
        if not 0 <= j < self.length:
            raise IndexError(j)
        copy, rank = divmod(j, len(self.positions))
        return copy * self.base + self.positions[rank]

    def __iter__(self) -> Iterator[int]:
        return (self[j] for j in range(self.length))


@dataclass
class ForgeWorld:
    """One emulated forge: its records (base and copies) and its owners."""

    name: str
    kind: str
    origin_host: str
    pso_id: str | None
    base: list[RepositoryRecord]
    count: int
    owners: dict[str, Owner]
    world: World = field(repr=False)
    stride: int = 0
    _ids: array = field(default_factory=lambda: array("q"), repr=False)
    _by_path: dict[str, int] = field(default_factory=dict, repr=False)
    _groups: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._ids = array("q", (int(r.native_id or 0) for r in self.base))
        self._by_path = {r.full_path.lower(): i for i, r in enumerate(self.base)}
        # Copies number their ids above every base id, so ids still grow with the index.
        self.stride = 10 ** len(str(max(self._ids, default=0) + 1))
        if self.count > len(self.base):
            clashes = [p for p in self._by_path if _COPY.match(p)]
            if clashes:
                raise ValueError(f"base names look like copies: {clashes[:3]}")

    @property
    def dialect(self) -> str:
        return DIALECTS[self.kind]

    @property
    def whole(self) -> bool:
        """A forge dedicated to public code as a whole (listed by instance, not by owner)."""
        return self.pso_id is not None

    # Records.

    def record(self, index: int) -> RepositoryRecord:
        """The record at ``index``, with the dates ``touch`` gave it, if any."""
        if not 0 <= index < self.count:
            raise IndexError(index)
        copy, position = divmod(index, len(self.base))
        record = self.base[position]
        changed = self.world.touched.get((self.name, index))
        if copy == 0 and changed is None:
            return record
        values: dict[str, object] = {}
        if copy:
            name = f"{record.name}-v{copy + 1}"
            full_path = f"{record.owner}/{name}" if record.owner else name
            values.update(
                full_path=full_path,
                name=name,
                url=record.url[: -len(record.full_path)] + full_path,
                native_id=str(self._ids[position] + copy * self.stride),
            )
        if changed is not None:
            values.update(pushed_at=changed[0], updated_at=changed[1])
        return dataclasses.replace(record, **values)

    def native_id(self, index: int) -> int:
        copy, position = divmod(index, len(self.base))
        return self._ids[position] + copy * self.stride

    def find(self, full_path: str) -> int | None:
        """The index of the repository at ``full_path`` (without case), or None."""
        key = full_path.strip("/").lower()
        position = self._by_path.get(key)
        if position is not None:
            return position
        match = _COPY.match(key)
        if not match:
            return None
        position = self._by_path.get(match["base"])
        copy = int(match["copy"]) - 1
        if position is None or copy < 1:
            return None
        index = copy * len(self.base) + position
        return index if index < self.count else None

    def find_id(self, native_id: int) -> int | None:
        """The index of the repository with ``native_id``, or None."""
        copy, rest = divmod(native_id, self.stride)
        position = bisect.bisect_left(self._ids, rest)
        if position >= len(self._ids) or self._ids[position] != rest:
            return None
        index = copy * len(self.base) + position
        return index if index < self.count else None

    def first_after_id(self, native_id: int) -> int:
        """The index of the first repository whose id is above ``native_id``."""
        if not self.base:
            return 0
        copy, rest = divmod(max(native_id, -1), self.stride)
        if native_id < 0:
            return 0
        position = bisect.bisect_right(self._ids, rest)
        return min(copy * len(self.base) + position, self.count)

    # Owners.

    def owner(self, path: str) -> Owner | None:
        return self.owners.get(path.strip("/").lower())

    def owner_listing(self, owner: Owner, *, subgroups: bool = False) -> Listing:
        """The indices of the repositories of ``owner`` (with ``subgroups``: and below it)."""
        positions = owner.positions
        if subgroups:
            key = owner.path.lower()
            if key not in self._groups:
                prefix = key + "/"
                merged = set(positions)
                for path, other in self.owners.items():
                    if path.startswith(prefix):
                        merged.update(other.positions)
                self._groups[key] = tuple(sorted(merged))
            positions = self._groups[key]
        return Listing(positions, len(self.base), self.count)

    def all(self) -> range:
        return range(self.count)

    def ordered(
        self, indices: Sequence[int], key: str, descending: bool, cache_key: object
    ) -> Sequence[int]:
        """``indices`` ordered by ``key`` (a record attribute), ties broken by id; cached."""
        if key == "id":
            return indices[::-1] if descending else indices
        return self.world.cached(
            (self.name, cache_key, key, descending),
            lambda: _sort(self, indices, key, descending),
        )


def _sort(forge: ForgeWorld, indices: Sequence[int], key: str, descending: bool) -> list[int]:
    # Reads the one attribute without building each record: orderings can span a million.
    base, touched, name = forge.base, forge.world.touched, forge.name
    size = len(base)

    def sort_key(index: int) -> tuple[object, int]:
        copy, position = divmod(index, size)
        if key in ("pushed_at", "updated_at") and (name, index) in touched:
            value: object = touched[(name, index)][0 if key == "pushed_at" else 1]
        elif key == "full_path" and copy:
            value = f"{base[position].full_path}-v{copy + 1}".lower()
        else:
            value = getattr(base[position], key)
            if isinstance(value, str):
                value = value.lower()
        return (value if value is not None else _EPOCH, index)

    return sorted(indices, key=sort_key, reverse=descending)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class World:
    """Every emulated forge, the touches made since the start, and caches keyed by version."""

    def __init__(self, data: DemoData, repositories: int, clock: Callable[[], datetime]) -> None:
        self.data = data
        self.seed = data.seed
        self.now = data.now
        self.clock = clock
        self.lock = threading.RLock()
        self.version = 0
        # (forge name, index) -> (pushed_at, updated_at) given by touch.
        self.touched: dict[tuple[str, int], tuple[datetime, datetime]] = {}
        self._cache: OrderedDict[object, tuple[Any, int]] = OrderedDict()
        self._cached_items = 0
        self.forges: dict[str, ForgeWorld] = {}
        self._build(repositories)

    @property
    def repository_count(self) -> int:
        return sum(forge.count for forge in self.forges.values())

    def _build(self, repositories: int) -> None:
        base_total = self.data.repository_count
        by_pso = {o.pso_id: o for o in self.data.organisations}
        seen: dict[str, int] = {}
        shares = _shares(
            [len(self.data.repositories.get(f.host, [])) for f in self.data.forges],
            max(repositories, base_total),
        )
        kinds = _covering_kinds(self.data)
        for forge, count, kind in zip(self.data.forges, shares, kinds, strict=True):
            seen[kind] = seen.get(kind, 0) + 1
            name = kind if seen[kind] == 1 else f"{kind}{seen[kind]}"
            base = self.data.repositories.get(forge.host, [])
            if DIALECTS[kind] != "gitlab":
                base = _flatten(base)
            accounts = [a for a in self.data.accounts if a.host == forge.host]
            owners = _owners(kind, base, accounts, by_pso)
            self.forges[name] = ForgeWorld(
                name=name,
                kind=kind,
                origin_host=forge.host,
                pso_id=forge.pso_id,
                base=base,
                count=count if base else 0,
                owners=owners,
                world=self,
            )

    def forge(self, name: str) -> ForgeWorld | None:
        return self.forges.get(name)

    def cached(self, key: object, make: Callable[[], Any]) -> Any:
        """A value made once per world version, kept in an LRU bounded by the total length
        of what it holds: orderings of a million-repository forge are large, but many
        owners paged at once must keep theirs between two pages."""
        full_key = (self.version, key)
        with self.lock:
            if full_key in self._cache:
                self._cache.move_to_end(full_key)
                return self._cache[full_key][0]
        value = make()
        size = len(value) if hasattr(value, "__len__") else 1
        with self.lock:
            if full_key not in self._cache:
                self._cache[full_key] = (value, size)
                self._cached_items += size
            while self._cached_items > CACHE_ITEMS and len(self._cache) > 1:
                _, (_, dropped) = self._cache.popitem(last=False)
                self._cached_items -= dropped
        return value

    def touch(self, fraction: float, seed: int) -> list[tuple[str, str]]:
        """Move ``pushed_at``/``updated_at`` of ``round(fraction × count)`` repositories to now.

        The repositories are drawn from ``seed`` alone; returns their ``(forge, full_path)``.
        A repository touched twice keeps moving forward (a second later at least).
        """
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must lie between 0 and 1")
        forges = list(self.forges.values())
        total = sum(f.count for f in forges)
        chosen = sorted(random.Random(seed).sample(range(total), round(fraction * total)))
        moment = self.clock().astimezone(UTC).replace(microsecond=0)
        result: list[tuple[str, str]] = []
        with self.lock:
            offset, forge_iter = 0, iter(forges)
            forge = next(forge_iter, None)
            for number in chosen:
                while forge is not None and number >= offset + forge.count:
                    offset += forge.count
                    forge = next(forge_iter, None)
                assert forge is not None
                index = number - offset
                before = forge.record(index)
                when = moment
                if before.updated_at and before.updated_at >= when:
                    when = before.updated_at.replace(microsecond=0) + _SECOND
                self.touched[(forge.name, index)] = (when, when)
                result.append((forge.name, forge.record(index).full_path))
            self._forget()
        return result

    def reset(self) -> None:
        """Forget every touch: the world is as generated again."""
        with self.lock:
            self.touched.clear()
            self._forget()

    def _forget(self) -> None:
        # Called with the lock held: every cached ordering may have changed.
        self.version += 1
        self._cache.clear()
        self._cached_items = 0


_SECOND = datetime(2000, 1, 1, 0, 0, 1) - datetime(2000, 1, 1)


def _covering_kinds(data: DemoData) -> list[str]:
    """The kind each generated forge is served as, so that every dialect is present.

    Small data sets have a single whole forge (a GitLab): it is served as a Gitea, since
    gitlab.com already speaks GitLab. Remove once the generator can be asked for kinds.
    """
    kinds = [forge.kind for forge in data.forges]
    for dialect in ("gitea", "gitlab", "github"):
        if any(DIALECTS[k] == dialect for k in kinds):
            continue
        counts: dict[str, int] = {}
        for kind in kinds:
            counts[DIALECTS[kind]] = counts.get(DIALECTS[kind], 0) + 1
        for i in reversed(range(len(kinds))):
            if data.forges[i].whole and counts[DIALECTS[kinds[i]]] > 1:
                kinds[i] = dialect
                break
    return kinds


def _flatten(records: list[RepositoryRecord]) -> list[RepositoryRecord]:
    """Records under sub-groups moved to their top-level owner (``a/b/name`` becomes
    ``a/b-name``): only GitLab nests owners, and a forge served as another kind cannot."""
    if all(record.full_path.count("/") <= 1 for record in records):
        return records
    taken = {record.full_path.lower() for record in records}
    result: list[RepositoryRecord] = []
    for record in records:
        owner, _, rest = record.full_path.partition("/")
        if "/" not in rest:
            result.append(record)
            continue
        name = rest.replace("/", "-")
        path, n = f"{owner}/{name}", 1
        while path.lower() in taken:
            n += 1
            path = f"{owner}/{name}-{n}"
        taken.add(path.lower())
        url = record.url[: -len(record.full_path)] + path
        result.append(dataclasses.replace(record, full_path=path, name=path.split("/")[1], url=url))
    return result


def _shares(counts: list[int], total: int) -> list[int]:
    """``total`` split in proportion to ``counts`` (largest remainders), each at least its count."""
    base = sum(counts)
    if base == 0 or total <= base:
        return list(counts)
    exact = [c * total / base for c in counts]
    shares = [int(x) for x in exact]
    order = sorted(range(len(counts)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _owners(
    kind: str,
    base: list[RepositoryRecord],
    accounts: Sequence[DemoAccount],
    by_pso: dict[str, DemoOrganisation],
) -> dict[str, Owner]:
    """Every owner of a forge: its listed accounts, the owners of its repositories and,
    on GitLab, every parent group of those (a group exists above each sub-group)."""
    positions: dict[str, list[int]] = {}
    written: dict[str, str] = {}
    for position, record in enumerate(base):
        key = record.owner.lower()
        positions.setdefault(key, []).append(position)
        written.setdefault(key, record.owner)
    organisations: dict[str, DemoOrganisation] = {}
    for account in accounts:
        key = account.path.lower()
        written.setdefault(key, account.path)
        organisations[key] = by_pso[account.pso_id]
        positions.setdefault(key, [])
    if kind == "gitlab":
        for key in list(written):
            parts = written[key].split("/")
            for depth in range(1, len(parts)):
                parent = "/".join(parts[:depth])
                written.setdefault(parent.lower(), parent)
                positions.setdefault(parent.lower(), [])
    has_children = {key.rsplit("/", 1)[0] for key in written if "/" in key}
    owners: dict[str, Owner] = {}
    for key, path in written.items():
        organisation = organisations.get(key)
        # A few owners without sub-groups are people: their /orgs URL answers 404, as on
        # GitHub, and adapters must fall back to /users.
        user = (
            "/" not in key and key not in has_children and stable_int(kind, key) % USER_SHARE == 0
        )
        owner_kind = "user" if user else "group" if kind == "gitlab" else "org"
        owners[key] = Owner(
            path=path,
            kind=owner_kind,
            id=1_000 + stable_int("owner", kind, key) % 90_000_000,
            display_name=organisation.name if organisation else _title(path),
            organisation=organisation,
            positions=tuple(positions.get(key, ())),
        )
    return owners


def _title(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    return " ".join(word.capitalize() for word in re.split(r"[-_.]+", last) if word) or last


def organisations_for(owners: int, seed: int) -> int:
    """How many organisations the generator needs for about ``owners`` listed accounts.

    The generator takes a number of organisations, and gives about 1.1 accounts each;
    a few proportional corrections (each a generation without repositories, which is
    cheap) land within half a percent. Remove once the generator takes ``owners=``.
    """
    if owners < 2:
        return 2
    guess = max(2, round(owners / 1.12))
    best, best_gap = guess, None
    for _ in range(5):
        found = len(generate(organisations=guess, repositories=0, seed=seed).accounts)
        gap = abs(found - owners)
        if best_gap is None or gap < best_gap:
            best, best_gap = guess, gap
        if gap <= owners // 200 or found == 0:
            break
        guess = max(2, round(guess * owners / found))
    return best


def build_world(
    *,
    repositories: int,
    owners: int,
    seed: int = 0,
    now: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
) -> World:
    """A world of ``repositories`` repositories and about ``owners`` listed owners.

    ``now`` is the moment every generated date lies before (the generator's default:
    the start of the current day, UTC); ``clock`` gives the time ``touch`` moves dates to.
    """
    if repositories < 0:
        raise ValueError("the number of repositories cannot be negative")
    organisations = organisations_for(owners, seed)
    data = generate(
        organisations=organisations,
        repositories=min(repositories, BASE_CAP),
        seed=seed,
        now=now,
    )
    return World(data, repositories, clock or (lambda: datetime.now(UTC)))
