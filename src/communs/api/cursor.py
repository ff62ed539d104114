"""Opaque page cursors: where the next page of a list starts.

A list is sorted on one key and then on the primary key, so a position is the pair
``(key value, id)`` of the last row a client received, plus the name of the ordering it
belongs to. A cursor is that triple as compact JSON in URL-safe base64: opaque to
clients, who only pass back what they were given, but not secret (nothing in it is
private, so it is not signed). Decoding checks every part, because a cursor comes from
the query string and anything may be sent in its place.

Pure Python: no Django, importable on its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

# The largest primary key and integer key both databases store (a signed 64-bit integer).
MAX_INTEGER = 2**63 - 1
# Far longer than any cursor this module makes (a 1,000-character key value at most).
MAX_CURSOR_LENGTH = 2000
MAX_TEXT_VALUE = 1000
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")

KeyValue = str | int | None


class CursorError(ValueError):
    """The text is not a cursor this module made; the message says why, for the client."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """The position after the row whose ordering key was ``value`` and id ``last_id``.

    ``value`` is a text (a name, or a date in ISO 8601), an integer, or None for a row
    whose key is empty (a repository never pushed).
    """

    ordering: str
    value: KeyValue
    last_id: int


def encode_cursor(cursor: Cursor) -> str:
    payload = json.dumps(
        [cursor.ordering, cursor.value, cursor.last_id], separators=(",", ":"), ensure_ascii=False
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """The cursor ``text`` encodes; raises :class:`CursorError` for anything else."""
    if not text or len(text) > MAX_CURSOR_LENGTH or not _BASE64URL.fullmatch(text):
        raise CursorError("not a cursor given by this API")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise CursorError("not a cursor given by this API") from error
    if not isinstance(payload, list) or len(payload) != 3:
        raise CursorError("not a cursor given by this API")
    ordering, value, last_id = payload
    if not isinstance(ordering, str) or not ordering:
        raise CursorError("not a cursor given by this API")
    # bool is an int in Python: rule it out where an integer is expected.
    if isinstance(last_id, bool) or not isinstance(last_id, int):
        raise CursorError("not a cursor given by this API")
    if not 1 <= last_id <= MAX_INTEGER:
        raise CursorError("its position is out of range")
    if isinstance(value, bool) or not isinstance(value, str | int | None):
        raise CursorError("not a cursor given by this API")
    if isinstance(value, int) and not -MAX_INTEGER <= value <= MAX_INTEGER:
        raise CursorError("its position is out of range")
    if isinstance(value, str) and (len(value) > MAX_TEXT_VALUE or "\x00" in value):
        raise CursorError("not a cursor given by this API")
    return Cursor(ordering=ordering, value=value, last_id=last_id)
