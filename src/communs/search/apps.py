from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

# SQLite: how much of the database file a connection maps into memory. Searches read
# many pages of the index at random; mapped, a page the system already caches is read
# in place rather than copied through the connection's small cache, which starts cold
# on every request (connections are not kept between requests on SQLite).
SQLITE_MMAP_BYTES = 2**30


def _tune_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")


class SearchConfig(AppConfig):
    name = "communs.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        connection_created.connect(_tune_sqlite, dispatch_uid="communs.search.tune_sqlite")
