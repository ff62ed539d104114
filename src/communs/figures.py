"""The whole-index figures of the pages, kept in a cache every server process shares.

The home page's figures, the stats page's counts, the repositories per organisation and
per ministry are each a scan of every repository: too slow to count on every request at
a hundred thousand rows, and they only change when data is stored. So they are counted
once, kept in the ``figures`` cache (a table of the database, or Redis: see
``settings.CACHES``) and counted again when a command stores data:

- every command that stores repositories or organisations (harvest, import, sources,
  demo, analyse) calls :func:`refresh_figures` once its data is committed: it counts
  every figure anew, then switches to them at once, so no visitor waits for a count and
  none sees old and new figures mixed;
- the switch is a *generation*: each cached key holds the generation it was counted
  for, and the generation is one more key. A new generation makes every older key
  unreachable at once, on every backend (Redis has no "empty only my keys");
- ``STATISTICS_TTL`` is a safety net only, for writes that call nobody (an edit in the
  admin, a shell): such a change shows within a day, or at the next harvest.

The search's counts without words and without filters (the repository list's and the
API's first page: ``communs.search.engine``) are figures too, counted by
:func:`refresh_figures` in each language of the site. They also *follow the index*:
their key holds an index stamp, one more key, which ``communs.search.indexing`` renews
(:func:`index_changed`) whenever indexing commits a change, so no count made before it
is read after it, in any process. The other figures wait for the command's refresh: an
analysis commits a batch every few seconds for hours, and would otherwise leave every
page's figures cold all along.

"Cold" is a figure nobody counted for the current generation: after a migration or a
flush (which start a new generation), for the search's counts after indexing committed
a change that no refresh followed yet (``communs search reindex``, an analysis under
way), or for the counts :func:`refresh_figures` does not warm (a ministry's that
appeared since). The first visitor then pays the count.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import DatabaseError, transaction

ALIAS = "figures"
# A safety net for writes that do not call refresh_figures (see the module docstring).
STATISTICS_TTL = 24 * 3600
GENERATION_KEY = "communs.web.figures.generation"
# Renewed each time indexing commits: part of the key of the figures that follow the index.
INDEX_KEY = "communs.web.figures.index"

T = TypeVar("T")
log = logging.getLogger(__name__)

# While refresh_figures counts: the figures counted so far, by key (otherwise None).
_counting: ContextVar[dict[str, Any] | None] = ContextVar("communs_figures", default=None)


def _cache() -> Any:
    return caches[ALIAS]


def _generation() -> str:
    return _cache().get(GENERATION_KEY) or "0"


def current_generation() -> str:
    """A token that changes whenever the search's counts may have: a refresh, a
    migration, or indexing that committed. Part of the key of counts kept elsewhere
    (the search's filtered counts, in each process's memory)."""
    found = _cache().get_many([GENERATION_KEY, INDEX_KEY])
    return f"{found.get(GENERATION_KEY) or '0'}.{found.get(INDEX_KEY) or '0'}"


def _key(generation: str, name: str) -> str:
    return f"communs.web.{generation}.{name}"


def cached_statistic(
    name: str,
    compute: Callable[[], T],
    *,
    max_age: float | None = None,
    follows_index: bool = False,
) -> T:
    """``compute()``, counted once per generation and shared by every process.

    ``max_age`` (seconds): for a figure that moves with the clock as well as with the
    data ("pushed within 30 days"), counted again once it is older than that.
    ``follows_index``: counted again as soon as indexing commits a change (the search's
    counts), not only at the next refresh.
    """
    if follows_index:
        name = f"{name}.index-{_cache().get(INDEX_KEY) or '0'}"
    if max_age is None:
        return _shared(name, compute, STATISTICS_TTL)
    # Kept no longer than it is used: an analysis renews the index stamp every few
    # seconds, and each stamp's counts would otherwise fill the table for a day.
    ttl = max(1, min(STATISTICS_TTL, int(max_age)))
    counted_at, value = _shared(name, lambda: (time.time(), compute()), ttl)
    if time.time() - counted_at <= max_age or _counting.get() is not None:
        return value
    value = compute()
    _cache().set(_key(_generation(), name), (time.time(), value), ttl)
    return value


def _shared(name: str, compute: Callable[[], T], ttl: int) -> T:
    counting = _counting.get()
    if counting is not None:
        # refresh_figures is counting anew: never the old generation's value.
        if name not in counting:
            counting[name] = compute()
        return counting[name]
    key = _key(_generation(), name)
    found = _cache().get(key)
    if found is None:
        found = compute()
        _cache().set(key, found, ttl)
    return found


def forget_figures() -> None:
    """Start a new, empty generation: every figure is counted again when next asked."""
    _cache().set(GENERATION_KEY, secrets.token_hex(6), None)


def index_changed() -> None:
    """What indexing runs once its change is committed: a new index stamp, so every
    figure that follows the index is counted again when next asked. A cache that cannot
    be written is logged, never raised: the data are committed already."""
    try:
        _cache().set(INDEX_KEY, secrets.token_hex(6), None)
    except Exception:
        log.exception("The figures cache cannot be written: cached counts may be stale.")


def count_figures() -> dict[str, Any]:
    """Every figure the pages ask for without parameters, counted anew, by name."""
    from django.conf import settings
    from django.utils import translation

    from communs.analysis.queries import publiccode_figures
    from communs.opendata.feeds import latest_release_ids
    from communs.search.engine import count_unfiltered
    from communs.sources.models import Organisation
    from communs.web import queries, stats
    from communs.web.stats_views import ministry_tree_html

    counted: dict[str, Any] = {}
    token = _counting.set(counted)
    try:
        queries.site_figures()
        for field_name in ("language", "license"):
            queries.value_counts(field_name)
        queries.forge_counts()
        queries.organisation_counts()
        stats.raw_counts()
        cached_statistic("publiccode", publiccode_figures)
        cached_statistic("feeds.latest-releases", latest_release_ids)
        for ministry in Organisation.objects.filter(level=Organisation.Level.MINISTRY):
            summary = stats.ministry_summary(ministry)  # its counts, and its tree:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    ministry_tree_html(summary)
        # The repository list's counts, labelled in each language (counted once).
        count_unfiltered([language for language, _name in settings.LANGUAGES])
    finally:
        _counting.reset(token)
    return counted


def store_figures(counted: dict[str, Any]) -> None:
    """Keep ``counted`` as a new generation, then switch every process to it."""
    generation = secrets.token_hex(6)
    _cache().set_many(
        {_key(generation, name): value for name, value in counted.items()}, STATISTICS_TTL
    )
    _cache().set(GENERATION_KEY, generation, None)


def refresh_figures() -> None:
    """What a command calls after storing data: once the transaction is committed, count
    every figure anew and switch to them. A failure is logged and leaves a new, empty
    generation (figures counted on demand): never old figures, never a failed command."""

    def refresh() -> None:
        try:
            store_figures(count_figures())
        except Exception:
            log.exception("Counting the pages' figures failed; they are counted on demand.")
            try:
                forget_figures()
            except DatabaseError:
                log.exception("The figures cache cannot be written.")

    transaction.on_commit(refresh)


def forget_after_migrate(**kwargs: Any) -> None:
    """After ``migrate`` or ``flush`` the figures counted before describe other data."""
    try:
        forget_figures()
    except DatabaseError:
        # The cache's table does not exist yet (a migration plan that stops before it).
        log.warning("The figures cache is not ready: run `communs migrate`.")
