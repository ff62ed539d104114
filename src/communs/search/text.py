"""Words out of user text and documents, and the match strings both backends understand.

Pure Python, no Django. The one rule: user text is never passed to a search engine as
syntax. It is cut into words (letters and digits only, accents folded, lower case), and
the match string is built from those words, each one quoted. So ``"``, ``*``, ``NEAR(``,
``AND OR``, ``-`` or a NUL byte are separators like a space, not operators, and both
backends see the same words: every word must match, the last one as a prefix (the
visitor may still be typing it).

Documents go through :func:`document_words` too, before either engine tokenises them:
``labo-innov/Beta`` is the three words ``labo innov beta`` on SQLite and on PostgreSQL
alike (PostgreSQL's own parser would keep the path as one token).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A query longer than this is cut before anything else looks at it.
MAX_QUERY_CHARS = 10_000
# Words kept from one query: more adds nothing to a search but cost.
MAX_TERMS = 12
# A word longer than this is no word a visitor means (a hash, a pasted blob): cut it.
MAX_TERM_CHARS = 64

# Letters and digits in any script; "_" is a separator, as for SQLite's unicode61.
_WORD = re.compile(r"[^\W_]+")
# Combining marks (accents once decomposed), in every block Unicode has for them.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def clean_text(raw: object, limit: int = MAX_QUERY_CHARS) -> str:
    """``raw`` as safe text: at most ``limit`` characters, no control characters, no lone
    surrogates (what undecodable bytes become), and spaces collapsed.

    Anything that is not a string (``None``, bytes from a broken client) is ``""``.
    """
    if not isinstance(raw, str):
        return ""
    text = raw[:limit]
    # Lone surrogates cannot be encoded for the database: drop them with other oddities.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


# Ligatures and stroked letters, which Unicode does not decompose.
_UNDECOMPOSED = str.maketrans(
    {"œ": "oe", "æ": "ae", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i"}
    | {"ŀ": "l", "ŧ": "t", "þ": "th", "ĸ": "q"}
)


def fold(text: str) -> str:
    """Lower case without accents: ``École`` -> ``ecole``, ``Œuvre`` -> ``oeuvre``."""
    if text.isascii():  # most text: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Letters with no decomposition, folded as PostgreSQL's unaccent folds them, so
    # every backend and the word index see the same words ("Łódź" is "lodz").
    return _COMBINING.sub("", decomposed).translate(_UNDECOMPOSED)


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order, repeats kept."""
    return _WORD.findall(fold(text))


def document_words(text: str) -> str:
    """``text`` as space-separated folded words: what an index is fed.

    Engines fold accents again themselves (``remove_diacritics 2``, ``unaccent``), on
    documents and queries alike; folding here first makes both see the same words,
    ligatures included, whatever each engine's own tables know.
    """
    return " ".join(words(text))


@dataclass(frozen=True, slots=True)
class Terms:
    """The words of a query: all must match, the last one as a prefix."""

    words: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def exact(self) -> tuple[str, ...]:
        """The words matched whole (all but the last)."""
        return self.words[:-1]

    @property
    def prefix(self) -> str:
        """The word matched as a prefix, ``""`` when there is none."""
        return self.words[-1] if self.words else ""


def parse_terms(raw: object) -> Terms:
    """The words of a visitor's query, at most ``MAX_TERMS``, repeats dropped.

    Never fails: any input gives some ``Terms``, possibly empty.
    """
    seen: dict[str, None] = {}
    for word in words(clean_text(raw)):
        seen.setdefault(word[:MAX_TERM_CHARS], None)
        if len(seen) == MAX_TERMS:
            break
    return Terms(tuple(seen))


def _fts5_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts5_match(terms: Terms) -> str:
    """An FTS5 MATCH string: every word quoted, the last followed by ``*`` (prefix).

    ``Terms(("ecole", "num"))`` gives ``"ecole" "num"*``; FTS5 reads juxtaposed strings
    as AND. Words hold only letters and digits, and quoting them anyway keeps FTS5
    keywords (``AND``, ``NEAR``) plain words.
    """
    parts = [_fts5_string(word) for word in terms.exact]
    if terms.prefix:
        parts.append(_fts5_string(terms.prefix) + "*")
    return " ".join(parts)


def _tsquery_lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(terms: Terms, alternatives: dict[str, list[str]] | None = None) -> str:
    """A ``to_tsquery('simple', …)`` string: quoted lexemes joined by ``&``, the last one
    with ``:*`` (prefix).

    ``alternatives`` maps a word to near words (typos corrected through trigrams): the
    word then matches as ``('word' | 'near1' | 'near2')``.
    """
    alternatives = alternatives or {}
    groups = []
    for index, word in enumerate(terms.words):
        suffix = ":*" if index == len(terms.words) - 1 else ""
        options = [_tsquery_lexeme(word) + suffix]
        options += [_tsquery_lexeme(near) for near in alternatives.get(word, []) if near != word]
        groups.append(options[0] if len(options) == 1 else "(" + " | ".join(options) + ")")
    return " & ".join(groups)
