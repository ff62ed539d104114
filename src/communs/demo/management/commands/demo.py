"""``communs demo``: a fresh data folder, a made-up data set, then the site. No network.

Settings read ``COMMUNS_HOME`` when they are imported, and the ``communs`` front sets
Django up before any command runs, so the demo folder cannot be chosen from inside the
running process. The command therefore prepares the folder, then runs itself again as a
child (``demo --in-place``) with ``COMMUNS_HOME`` set to that folder and no
``COMMUNS_DATABASE_URL`` (SQLite inside the folder). The child migrates, generates the
data set and serves it from the forge emulator (in a thread, on a free port of
127.0.0.1), imports the emulator's sources file with the importer real sources go
through, harvests the emulated forges with the real harvest (with a token for the
emulator, so GitHub owners are listed by GraphQL with their extras), prints a summary
and serves the site; the emulator keeps running while the site is served, so its
archives and git repositories answer.

A folder is wiped only when it is empty or carries the marker file a previous demo left:
never a folder the demo did not make.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.demo.catalogue import load_demo_catalogue
from communs.demo.generator import DemoData, generate
from communs.emulator import EmulatorServer, World
from communs.events.demo import load_demo_events
from communs.figures import refresh_figures
from communs.harvest.engine import HarvestResult, harvest
from communs.harvest.store import build_plans
from communs.history.snapshots import take_snapshot
from communs.jobs.demo import load_demo_jobs
from communs.newsletters.demo import load_demo_issues
from communs.opendata.publish import refresh_open_data
from communs.repositories.models import Repository
from communs.repositories.storage import upsert_repositories
from communs.search.indexing import rebuild_index
from communs.sources.importer import SourcesImportError, import_sources
from communs.sources.models import Account, Forge, Organisation

DEFAULT_HOME = Path("var") / "demo"
# The file that says "the demo made this folder, the next demo may wipe it".
MARKER = ".communs-demo"
MARKER_TEXT = "This folder was made by `communs demo`; the next `communs demo` wipes it.\n"


@dataclass
class DemoSummary:
    organisations: int
    forges: int
    accounts: int
    repositories: int
    software: int = 0


def prepare_folder(home: Path) -> None:
    """Make ``home`` an empty demo folder, or raise ``CommandError`` and touch nothing.

    An existing folder is wiped only when it is empty or holds the demo's marker file.
    """
    if home.exists() and not home.is_dir():
        raise CommandError(_("%(home)s is a file, not a folder.") % {"home": home})
    if home.is_dir():
        entries = sorted(home.iterdir())
        if entries and not (home / MARKER).is_file():
            raise CommandError(
                _(
                    "%(home)s is not empty and was not made by `communs demo`, so the demo "
                    "will not wipe it. Choose another folder with --home, or empty it."
                )
                % {"home": home}
            )
        for entry in entries:
            # A link is removed, never followed: what it points to is not the demo's.
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def load_demo(data: DemoData, folder: Path) -> DemoSummary:
    """Write ``data``'s sources files into ``folder``, import them, store the repositories.

    The sources go through ``communs.sources.importer`` and the repositories through the
    shared upsert, as in a real harvest, all in one transaction. Raises ``CommandError``
    when the import refuses the files (generated files must always import cleanly).
    """
    # One transaction: a demo that fails half-way leaves an empty database, not half a one.
    with transaction.atomic():
        import_generated(data, data.write_sources(folder))
        forges = {forge.host: forge for forge in Forge.objects.filter(host__in=data.repositories)}
        for host, records in data.repositories.items():
            upsert_repositories(forges[host], records, harvested=True)
        rebuild_index()
        refresh_figures()  # once committed: the pages' figures, counted anew
    return DemoSummary(
        organisations=Organisation.objects.count(),
        forges=Forge.objects.count(),
        accounts=Account.objects.count(),
        repositories=Repository.objects.count(),
    )


# The token the demo's harvest sends to its own emulator (which accepts any token).
EMULATOR_TOKEN = "communs-demo"  # noqa: S105 - not a secret: a made-up forge's


def start_emulator(data: DemoData, repositories: int, git_root: Path) -> EmulatorServer:
    """The emulator serving ``data``, started in a thread on a free port of 127.0.0.1."""
    world = World(data, repositories, lambda: datetime.now(UTC))
    server = EmulatorServer(world, host="127.0.0.1", port=0, git_root=git_root)
    server.start()
    return server


def harvest_demo(
    data: DemoData, server: EmulatorServer, folder: Path
) -> tuple[DemoSummary, HarvestResult]:
    """Import the sources file of ``server`` (serving ``data``) and harvest its forges.

    Raises ``CommandError`` when the import refuses the file or a forge's harvest fails
    (neither happens with the generated data and a running emulator).
    """
    with transaction.atomic():
        import_generated(data, server.write_sources(folder))
    plans, _notes = build_plans()
    address = server.url.removeprefix("http://")
    result = harvest(plans, tokens={address: [EMULATOR_TOKEN]})
    if result.failed:
        raise CommandError(
            _("The harvest of the emulator failed:\n%(problems)s")
            % {"problems": "\n".join(f"{o.host}: {o.message}" for o in result.failed)}
        )
    rebuild_index()
    # After the harvest: a few entries are the demo's own repositories.
    catalogue = load_demo_catalogue(data.seed)
    # The community's pages: a few made-up events, job offers and a newsletter issue.
    load_demo_events()
    load_demo_jobs()
    load_demo_issues()
    refresh_figures()  # the pages' figures, counted anew
    take_snapshot()  # today's figures, the first point of the trends
    refresh_open_data()  # the downloads of /open-data/, as a harvest leaves them
    summary = DemoSummary(
        organisations=Organisation.objects.count(),
        forges=Forge.objects.count(),
        accounts=Account.objects.count(),
        repositories=Repository.objects.count(),
        software=catalogue,
    )
    return summary, result


def import_generated(data: DemoData, path: Path) -> None:
    """Import a sources file made for ``data``, then describe its organisations."""
    try:
        import_sources([path])
    except SourcesImportError as error:
        raise CommandError(
            _("The generated sources did not import:\n%(problems)s") % {"problems": error}
        ) from error
    describe_organisations(data)


def describe_organisations(data: DemoData) -> None:
    """Give the imported organisations what the national directory would tell about them.

    A 2025 sources file names organisations by ``pso_id`` only, so the importer names
    them after their first account; a real installation learns names and hierarchy from
    the directory of public services, and the demo plays that part from its own data.
    """
    made_up = {o.pso_id: o for o in data.organisations}
    rows = list(Organisation.objects.filter(pso_id__in=list(made_up)))
    pk_of = {row.pso_id: row.pk for row in rows}
    for row in rows:
        organisation = made_up[str(row.pso_id)]
        row.name = organisation.name
        if organisation.category != "ministry":
            # Stronger than "named after its account", so re-importing the file keeps it.
            row.name_origin = Organisation.NameOrigin.SOURCES
        row.website = organisation.website
        row.parent_id = pk_of.get(organisation.ministry or "")
        if organisation.category == "ministry":
            row.level = Organisation.Level.MINISTRY
    Organisation.objects.bulk_update(rows, ["name", "name_origin", "website", "parent", "level"])


class Command(BaseCommand):
    help = gettext_lazy(
        "Build a made-up data set in a fresh folder and serve the site (no network needed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # argparse wraps the description with a regular expression, which needs a str.
        parser.description = str(self.help)
        parser.add_argument(
            "--home",
            type=Path,
            default=DEFAULT_HOME,
            help=_("the demo's data folder, wiped first (default: ./var/demo)"),
        )
        parser.add_argument(
            "--organisations",
            type=int,
            default=300,
            help=_("how many organisations, ministries included (default: 300)"),
        )
        parser.add_argument(
            "--repositories",
            type=int,
            default=3000,
            help=_("how many repositories (default: 3000)"),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=0,
            help=_("the same seed gives the same data (default: 0)"),
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help=_("build the data, do not start the web server"),
        )
        parser.add_argument("--host", default="127.0.0.1", help=_("address to serve on"))
        parser.add_argument("--port", type=int, default=8000, help=_("port to serve on"))
        # Internal: the child process that does the work inside the prepared folder.
        parser.add_argument("--in-place", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["organisations"] < 2 or options["repositories"] < 0:
            raise CommandError(
                _("--organisations must be at least 2 and --repositories at least 0.")
            )
        if options["in_place"]:
            self.build(options)
        else:
            self.run_in_folder(options)

    def run_in_folder(self, options: dict[str, Any]) -> None:
        """Prepare the folder, then run the work in a child process that uses it."""
        home = Path(options["home"]).expanduser().resolve()
        prepare_folder(home)
        env = dict(os.environ, COMMUNS_HOME=str(home))
        # The demo never writes into a configured database: SQLite in its own folder.
        env.pop("COMMUNS_DATABASE_URL", None)
        argv = [
            sys.executable,
            "-m",
            "communs.cli",
            "demo",
            "--in-place",
            f"--organisations={options['organisations']}",
            f"--repositories={options['repositories']}",
            f"--seed={options['seed']}",
            f"--host={options['host']}",
            f"--port={options['port']}",
        ]
        if options["no_serve"]:
            argv.append("--no-serve")
        self.stdout.flush()
        child = subprocess.Popen(argv, env=env)
        try:
            code = child.wait()
        except KeyboardInterrupt:
            # Ctrl+C reached the child too (same process group): let the server stop
            # cleanly, and only force it if it does not.
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.terminate()
                child.wait()
            return
        if code != 0:
            raise CommandError(
                _("The demo stopped (exit code %(code)s).") % {"code": code}, returncode=code
            )

    def build(self, options: dict[str, Any]) -> None:
        """The child's work: migrate, generate, import, store, summarise, serve."""
        home = Path(settings.HOME)
        database = Path(str(settings.DATABASES["default"]["NAME"]))
        # Refuse to fill anything but a demo folder's own SQLite file with made-up data.
        if (
            not (home / MARKER).is_file()
            or connection.vendor != "sqlite"
            or database.parent != home
        ):
            raise CommandError(
                _("--in-place runs only in a folder made by `communs demo`, on its SQLite file.")
            )
        started = time.monotonic()
        self.stdout.write(_("Building a demo data set in %(home)s…") % {"home": home})
        call_command("migrate", interactive=False, verbosity=0)
        data = generate(
            organisations=options["organisations"],
            repositories=options["repositories"],
            seed=options["seed"],
        )
        server = start_emulator(data, options["repositories"], home / "emulator-git")
        try:
            self.stdout.write(_("Forge emulator at %(url)s; harvesting it…") % {"url": server.url})
            summary, result = harvest_demo(data, server, home / "sources")
            self.report(summary, result, time.monotonic() - started, home)
            if options["no_serve"]:
                return
            self.stdout.flush()
            call_command("serve", host=options["host"], port=options["port"])
        finally:
            server.stop()

    def report(
        self, summary: DemoSummary, result: HarvestResult, elapsed: float, home: Path
    ) -> None:
        requests = sum(o.counts.get("requests", 0) for o in result.outcomes)
        self.stdout.write(
            self.style.SUCCESS(_("Demo data set ready in %(seconds).1f s:") % {"seconds": elapsed})
        )
        for label, value in (
            (_("organisations"), summary.organisations),
            (_("forges"), summary.forges),
            (_("accounts"), summary.accounts),
            (_("repositories"), summary.repositories),
            (_("catalogue entries"), summary.software),
            (_("requests"), requests),
        ):
            self.stdout.write(f"  {label:<15} {value:>7,}")
        self.stdout.write(
            _("To sign in to the admin pages, create an account first:\n  %(command)s")
            % {"command": f"COMMUNS_HOME={home} communs createsuperuser"}
        )
