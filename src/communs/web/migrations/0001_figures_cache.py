"""The table of the ``figures`` cache (``communs.figures``), made by ``migrate``.

Django makes a database cache's table with ``createcachetable``, a command nobody would
think of running: a migration makes it where every deployment already runs ``migrate``.
The command does nothing for a cache that is not a table (Redis) or already exists.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
