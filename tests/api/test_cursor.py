"""Cursors: what the API encodes comes back intact; anything else is refused with a reason."""

from __future__ import annotations

import base64
import json

import pytest

from communs.api.cursor import MAX_INTEGER, Cursor, CursorError, decode_cursor, encode_cursor


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor("pushed", "2024-03-01T10:00:00.123456+00:00", 42),
        Cursor("pushed", None, 7),
        Cursor("stars", 0, 1),
        Cursor("stars", MAX_INTEGER, MAX_INTEGER),
        Cursor("name", 'données ouvertes "quoted" / slash', 3),
    ],
)
def test_it_gives_back_what_it_encoded(cursor: Cursor) -> None:
    text = encode_cursor(cursor)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(text) == cursor


def raw(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a cursor!",
        "%%%",
        "A",
        "x" * 5000,
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
        raw({"ordering": "stars"}),
        raw(["stars", 3]),
        raw(["stars", 3, 4, 5]),
        raw(["", 3, 4]),
        raw([1, 3, 4]),
        raw(["stars", 3, "4"]),
        raw(["stars", 3, True]),
        raw(["stars", True, 4]),
        raw(["stars", [1], 4]),
        raw(["stars", {"a": 1}, 4]),
        raw(["stars", 1.5, 4]),
        raw(["stars", 3, 0]),
        raw(["stars", 3, -1]),
        raw(["stars", 3, MAX_INTEGER + 1]),
        raw(["stars", 10**30, 4]),
        raw(["name", "a\x00b", 4]),
        raw(["name", "x" * 2000, 4]),
    ],
)
def test_it_refuses_what_it_did_not_make(text: str) -> None:
    with pytest.raises(CursorError) as error:
        decode_cursor(text)
    assert str(error.value)
