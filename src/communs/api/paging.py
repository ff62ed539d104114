"""Keyset paging: each page starts after the last row of the previous one.

Unlike page numbers (``OFFSET``), a keyset page costs the same deep in a list as at its
start, and rows added or removed meanwhile neither repeat nor vanish between pages. A
list is ordered on one key then on the primary key, which makes every position unique;
the cursor (``communs.api.cursor``) holds the last row's key and id.

The key is read back from the database as an annotation rather than recomputed in
Python: ``Lower()`` and collations differ between SQLite and PostgreSQL, and the
position must compare the way the database sorts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import Combinable

from communs.api.cursor import Cursor, CursorError, decode_cursor, encode_cursor

M = TypeVar("M", bound=Model)

KEY = "keyset_key"


@dataclass(frozen=True, slots=True)
class KeysetOrder:
    """An ordering a list can be paged on.

    ``key`` is the column or expression sorted first; the primary key breaks ties in
    the same direction. A ``nullable`` key puts empty values last whatever the
    direction, as the pages do ("never pushed" after every date).
    """

    name: str
    key: Combinable
    descending: bool
    value_type: type
    nullable: bool = False

    def order_by(self) -> tuple:
        primary = F(KEY).desc(nulls_last=True) if self.descending else F(KEY).asc(nulls_last=True)
        return (primary, "-pk" if self.descending else "pk")

    def after(self, value: object, last_id: int) -> Q:
        """Rows that come after the row ``(value, last_id)`` in this order."""
        further = "lt" if self.descending else "gt"
        if value is None:
            # Empty keys come last: past an empty key only other empty keys remain.
            return Q(**{f"{KEY}__isnull": True, f"pk__{further}": last_id})
        condition = Q(**{f"{KEY}__{further}": value}) | Q(**{KEY: value, f"pk__{further}": last_id})
        if self.nullable:
            condition |= Q(**{f"{KEY}__isnull": True})
        return condition

    def cursor_value(self, value: object) -> str | int | None:
        """The key of a row as a cursor holds it (dates as ISO 8601 text)."""
        if isinstance(value, datetime):
            return value.isoformat()
        return value  # type: ignore[return-value]

    def parse_value(self, value: object) -> object:
        """A cursor's key back as a value to compare; ``CursorError`` when it cannot be."""
        if value is None:
            if not self.nullable:
                raise CursorError("its position is not one of this list")
            return None
        if self.value_type is datetime:
            if not isinstance(value, str):
                raise CursorError("its position is not one of this list")
            try:
                moment = datetime.fromisoformat(value)
            except ValueError as error:
                raise CursorError("its position is not one of this list") from error
            if moment.tzinfo is None:
                raise CursorError("its position is not one of this list")
            return moment
        if self.value_type is int:
            # The decoder bounds integers; keys here are counts, never negative.
            if not isinstance(value, int) or value < 0:
                raise CursorError("its position is not one of this list")
            return value
        if not isinstance(value, str):
            raise CursorError("its position is not one of this list")
        return value


@dataclass(frozen=True, slots=True)
class KeysetPage(Generic[M]):
    rows: list[M]
    next_cursor: str | None


def ordered(rows: QuerySet[M], order: KeysetOrder) -> QuerySet[M]:
    """``rows`` in ``order``, with the key annotated for :func:`keyset_page`."""
    return rows.annotate(**{KEY: order.key}).order_by(*order.order_by())


def read_cursor(text: str | None, order: KeysetOrder) -> tuple[object, int] | None:
    """The position ``text`` holds for ``order``, or None for the first page.

    Raises ``CursorError`` for text that is not a cursor, or one made for another order
    (a cursor of the list sorted by name means nothing in the list sorted by stars).
    """
    if text is None or text == "":
        return None
    cursor = decode_cursor(text)
    if cursor.ordering != order.name:
        raise CursorError(f"it was made for another order ({cursor.ordering[:50]!r})")
    return order.parse_value(cursor.value), cursor.last_id


def keyset_page(
    rows: QuerySet[M],
    order: KeysetOrder,
    cursor: str | None,
    limit: int,
    fetch: Callable[[QuerySet[M]], QuerySet[M]] | None = None,
) -> KeysetPage[M]:
    """Up to ``limit`` rows of ``rows`` after ``cursor``, and the cursor of the next page.

    ``fetch`` adds what the page's rows need (``select_related``, annotations) to the
    query that reads them. One query: ``limit + 1`` rows tell whether a next page exists.
    """
    listed = ordered(rows, order)
    position = read_cursor(cursor, order)
    if position is not None:
        listed = listed.filter(order.after(*position))
    if fetch is not None:
        listed = fetch(listed)
    found = list(listed[: limit + 1])
    page = found[:limit]
    next_cursor = None
    if len(found) > limit and page:
        last = page[-1]
        next_cursor = encode_cursor(
            Cursor(
                ordering=order.name,
                value=order.cursor_value(getattr(last, KEY)),
                last_id=last.pk,
            )
        )
    return KeysetPage(rows=page, next_cursor=next_cursor)
