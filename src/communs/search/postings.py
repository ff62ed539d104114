"""The word index's arithmetic: posting lists as numpy arrays. Pure Python, no Django.

A *segment* is a snapshot of every document's words, built in one pass
(:class:`SegmentBuilder`): the documents in id order (their position in that order is
their *ordinal*), and for each word its *posting list*: the ordinals of the documents
holding it, ascending, each with its *impact*, the word's BM25F score in that document
(:func:`impacts`). A query's matches are then array operations in C rather than one
database row per match: the posting lists of a word's alternatives (the expansions of
a prefix, near words) are merged (:func:`union`), those of the query's words intersected
with their impacts added up (:func:`intersect`), the matches' facet codes counted with
``bincount`` and the best page picked with ``argpartition`` (:func:`best`).

At a million repositories a broad word ("simulation": 113,895 documents) is a 900 KB
posting list: reading, intersecting, counting and ranking it takes a few milliseconds,
where FTS5 and PostgreSQL spend hundreds computing bm25 or ts_rank match by match
(docs/search.md).

Scores: BM25F over the document's fields, each field's words counted ``boost`` times
(a word in a repository's name weighs more than one in its description), with the
usual constants. A query's score is the sum over its words of the best impact among
each word's alternatives, added in float64 in the query's word order, so the same
query on the same segment always gives the same scores (a cursor's key is one).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75

ORDINAL = np.dtype("<u4")
IMPACT = np.dtype("<f4")


def document_terms(texts: Sequence[str], boosts: Sequence[float]) -> tuple[dict[str, float], float]:
    """BM25F's view of one document: each word's boosted frequency (a word in a field
    counts that field's boost), and the document's boosted length. ``texts`` are the
    fields' words separated by spaces (``text.document_words``)."""
    frequencies: dict[str, float] = {}
    length = 0.0
    for text, boost in zip(texts, boosts, strict=True):
        found = text.split()
        length += boost * len(found)
        for word in found:
            frequencies[word] = frequencies.get(word, 0.0) + boost
    return frequencies, length


def idf(documents: int, frequency: np.ndarray | int) -> np.ndarray:
    """BM25's inverse document frequency (never negative)."""
    df = np.asarray(frequency, dtype=np.float64)
    return np.log1p((documents - df + 0.5) / (df + 0.5))


def impacts(
    frequency: np.ndarray, length: np.ndarray, average: float, weight: np.ndarray
) -> np.ndarray:
    """The impact of a word in a document: its ``weight`` (idf) times BM25's saturated,
    length-normalised frequency, as float32 (what a segment stores)."""
    tf = np.asarray(frequency, dtype=np.float64)
    norm = K1 * (1.0 - B + B * np.asarray(length, dtype=np.float64) / max(average, 1e-9))
    return (np.asarray(weight, dtype=np.float64) * tf * (K1 + 1.0) / (tf + norm)).astype(IMPACT)


@dataclass(frozen=True, slots=True)
class PostingList:
    """Ordinals ascending (uint32), each with its impact (float32)."""

    ordinals: np.ndarray
    impacts: np.ndarray

    @classmethod
    def empty(cls) -> PostingList:
        return cls(np.empty(0, ORDINAL), np.empty(0, IMPACT))

    @classmethod
    def from_bytes(cls, ordinals: bytes, impacts: bytes) -> PostingList:
        return cls(np.frombuffer(ordinals, ORDINAL), np.frombuffer(impacts, IMPACT))

    def __len__(self) -> int:
        return len(self.ordinals)


def union(lists: Sequence[PostingList], documents: int = 0) -> PostingList:
    """The documents holding any of these words, each with its best impact among them
    (a document holding "simulation" and "simulateur" matches "simu*" once).

    ``documents``: how many the segment holds (ordinals are below it). When the lists
    are long beside it, they are merged in a dense array of that size (one pass per
    list) rather than sorted together: "simu" at a million, 8 words and 150,000
    postings, took 25 ms sorted and 3 ms dense.
    """
    lists = [one for one in lists if len(one)]
    if not lists:
        return PostingList.empty()
    if len(lists) == 1:
        return lists[0]
    ordinals = np.concatenate([one.ordinals for one in lists])
    weights = np.concatenate([one.impacts for one in lists])
    if documents and len(ordinals) * 64 >= documents:
        best_impact = np.zeros(documents, IMPACT)
        np.maximum.at(best_impact, ordinals, weights)
        present = np.zeros(documents, bool)
        present[ordinals] = True
        kept = np.flatnonzero(present).astype(ORDINAL)
        return PostingList(kept, best_impact[kept])
    # By ordinal, the best impact first within each: the first of each run is kept.
    order = np.lexsort((-weights, ordinals))
    ordinals, weights = ordinals[order], weights[order]
    first = np.ones(len(ordinals), dtype=bool)
    first[1:] = ordinals[1:] != ordinals[:-1]
    return PostingList(ordinals[first], weights[first])


def intersect(lists: Sequence[PostingList]) -> tuple[np.ndarray, np.ndarray]:
    """The documents holding every word: their ordinals (ascending) and scores, the sum
    of their impacts in the order of ``lists`` (float64).

    The shortest list is looked up in the others (binary search, its length times the
    log of theirs): "reproducible code paper" at a million, lists of 100,000 to 300,000,
    took 40 ms merged and sorted, a few ms looked up.
    """
    if not lists:
        return np.empty(0, ORDINAL), np.empty(0, np.float64)
    ordinals = min(lists, key=len).ordinals
    for other in sorted(lists, key=len):
        if not len(ordinals):
            break
        found = _positions(other.ordinals, ordinals)
        ordinals = ordinals[found >= 0]
    scores = np.zeros(len(ordinals), np.float64)
    for one in lists:
        scores += one.impacts[_positions(one.ordinals, ordinals)]
    return ordinals, scores


def _positions(sorted_ordinals: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each of ``wanted`` is in ``sorted_ordinals``, -1 where it is not."""
    if not len(sorted_ordinals):
        return np.full(len(wanted), -1, np.int64)
    where = np.searchsorted(sorted_ordinals, wanted)
    where[where == len(sorted_ordinals)] = 0
    return np.where(sorted_ordinals[where] == wanted, where, -1)


def best(
    scores: np.ndarray, ids: np.ndarray, count: int, after: tuple[float, int] | None = None
) -> np.ndarray:
    """Positions of the ``count`` best rows: highest score first, ties by the highest id
    (a total order, so pages never overlap). ``after``: only rows strictly after this
    ``(score, id)`` in that order (a keyset cursor)."""
    candidates = np.arange(len(scores))
    if after is not None:
        key, last = after
        keep = (scores < key) | ((scores == key) & (ids < last))
        candidates = candidates[keep]
    if count <= 0 or not len(candidates):
        return candidates[:0]
    if len(candidates) > count:
        # The count-th best score: every row above it is in, ties at it by id.
        chosen_scores = scores[candidates]
        cut = np.partition(chosen_scores, len(candidates) - count)[len(candidates) - count]
        candidates = candidates[chosen_scores >= cut]
    order = np.lexsort((-ids[candidates], -scores[candidates]))
    return candidates[order][:count]


class SegmentBuilder:
    """A segment built from documents given in ascending id order.

    Each word's posting list grows as documents come (8 bytes an occurrence: a million
    repositories of the generated data hold about 30 million), already in ordinal order:
    no sort, and impacts computed one word at a time when the lists are written.
    """

    def __init__(self, boosts: Sequence[float]) -> None:
        self.boosts = tuple(boosts)
        # word -> (ordinals, boosted frequencies)
        self._lists: dict[str, tuple[array, array]] = {}
        self._lengths = array("f")
        self._ids = array("q")
        self._codes = array("I")

    def add(self, pk: int, code: int, texts: Sequence[str]) -> None:
        if self._ids and pk <= self._ids[-1]:
            raise ValueError(f"documents must come in ascending id order ({pk})")
        ordinal = len(self._ids)
        frequencies, length = document_terms(texts, self.boosts)
        lists = self._lists
        for word, frequency in frequencies.items():
            found = lists.get(word)
            if found is None:
                found = lists[word] = (array("I"), array("f"))
            found[0].append(ordinal)
            found[1].append(frequency)
        self._ids.append(pk)
        self._codes.append(code)
        self._lengths.append(length)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> np.ndarray:
        return np.frombuffer(self._ids, np.int64)

    @property
    def codes(self) -> np.ndarray:
        return np.frombuffer(self._codes, np.uint32)

    @property
    def average_length(self) -> float:
        lengths = np.frombuffer(self._lengths, np.float32)
        return float(lengths.mean()) if len(lengths) else 0.0

    def words(self) -> Iterator[tuple[str, int, bytes, bytes]]:
        """``(word, documents holding it, ordinals, impacts)`` for every word, each
        word's lists released once given."""
        lengths = np.frombuffer(self._lengths, np.float32)
        average = self.average_length
        documents = len(self._ids)
        while self._lists:
            word, (ordinals, frequencies) = self._lists.popitem()
            ordinal = np.frombuffer(ordinals, ORDINAL)
            weight = idf(documents, len(ordinal))
            scored = impacts(
                np.frombuffer(frequencies, np.float32), lengths[ordinal], average, weight
            )
            yield word, len(ordinal), ordinal.tobytes(), scored.tobytes()


def stale_words(frequencies: dict[str, float]) -> str:
    """A changed document's words as stored beside a segment: `` word:frequency ``
    separated and surrounded by spaces, so ``LIKE '% word:%'`` and ``LIKE '% pre%'``
    find the candidates."""
    return " " + " ".join(f"{word}:{frequency:g}" for word, frequency in frequencies.items()) + " "


def read_stale_words(text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for item in text.split():
        word, _, frequency = item.rpartition(":")
        if word:
            found[word] = float(frequency)
    return found
