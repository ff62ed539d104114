"""Opaque cursors for keyset paging: the sort, the last row's sort key and its id.

Pure Python, no Django. A cursor is base64url of a small JSON list, so it survives any
URL; it is opaque to clients (they pass back what they got) but carries no secret,
so it is not signed: a forged cursor can only start a list at another place.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import datetime

# Longest cursor accepted: a real one is under 200 characters.
MAX_CURSOR_CHARS = 1000


class InvalidCursor(ValueError):
    """The cursor was not made by :func:`encode_cursor`, or for another sort."""


@dataclass(frozen=True, slots=True)
class WordScore:
    """A relevance key given by the word index: its scores are not FTS5's or
    PostgreSQL's, so a cursor says which made it (``{"w": score}``)."""

    value: float


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: str
    key: object  # None, int, float, str, datetime or WordScore: the sort column's value
    id: int


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, WordScore):
        return {"w": value.value}
    return value


def encode_cursor(cursor: Cursor) -> str:
    data = json.dumps([cursor.sort, _plain(cursor.key), cursor.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode_cursor(text: str, sort: str) -> Cursor:
    """The cursor in ``text``; raises :class:`InvalidCursor` when it is not one for ``sort``."""
    if not text or len(text) > MAX_CURSOR_CHARS:
        raise InvalidCursor("empty or too long")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor("not a cursor") from error
    if not isinstance(data, list) or len(data) != 3:
        raise InvalidCursor("not a cursor")
    name, key, row_id = data
    if name != sort:
        raise InvalidCursor("made for another sort")
    # bool is an int in Python: refuse it where an id is expected.
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 <= row_id < 2**63:
        raise InvalidCursor("bad id")
    if isinstance(key, dict) and "w" in key:
        score = key["w"]
        if isinstance(score, bool) or not isinstance(score, int | float) or len(key) != 1:
            raise InvalidCursor("bad score")
        try:
            value = float(score)  # an integer of 400 digits overflows
        except OverflowError as error:
            raise InvalidCursor("bad score") from error
        if not math.isfinite(value):
            raise InvalidCursor("bad score")
        key = WordScore(value)
    elif isinstance(key, dict):
        try:
            key = datetime.fromisoformat(key["t"])
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidCursor("bad date") from error
    elif key is not None and (isinstance(key, bool) or not isinstance(key, int | float | str)):
        raise InvalidCursor("bad key")
    if isinstance(key, int) and not -(2**63) <= key < 2**63:
        raise InvalidCursor("bad key")
    # The key goes into a comparison with the sort's column: PostgreSQL refuses a text
    # compared with a date or a number, so a forged key of the wrong type is refused here.
    expected = KEY_TYPES.get(name)
    if key is not None and expected is not None and not isinstance(key, expected):
        raise InvalidCursor("bad key for this sort")
    return Cursor(sort=name, key=key, id=row_id)


# The type of each sort's key (None is always allowed: rows without a value sort last).
KEY_TYPES: dict[str, type | tuple[type, ...]] = {
    "relevance": (int, float, WordScore),
    "pushed": datetime,
    "created": datetime,
    "score": int,
    "stars": int,
    "forks": int,
    "name": str,
}
