"""``communs emulator serve``: a thin shell over :class:`communs.emulator.EmulatorServer`."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.emulator import SIZES, EmulatorServer, Settings, build_world
from communs.emulator.faults import KINDS

DEFAULT_PORT = 8765


class Command(BaseCommand):
    help = gettext_lazy(
        "Run a local forge that speaks the GitHub, GitLab and Gitea APIs, for demos, tests "
        "and benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # argparse wraps the description with a regular expression, which needs a str.
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        serve = actions.add_parser(
            "serve",
            help=_("serve made-up forges until interrupted"),
            description=_(
                "Serve made-up forges (GitHub REST and GraphQL, GitLab v4, Gitea v1, git over "
                "HTTP, source archives) from the demo generator's data, with real pagination, "
                "ETags, rate limits and optional faults. Prints the URL and writes a sources "
                "file that `communs sources import` reads."
            ),
        )
        serve.add_argument("--host", default="127.0.0.1", help=_("address to listen on"))
        serve.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help=_("port to listen on (0: any free port)")
        )
        serve.add_argument(
            "--size",
            choices=list(SIZES),
            default="small",
            help=_("a preset number of owners and repositories"),
        )
        serve.add_argument("--repositories", type=int, help=_("number of repositories"))
        serve.add_argument("--owners", type=int, help=_("number of listed owners, about"))
        serve.add_argument("--seed", type=int, default=0, help=_("seed of the data and faults"))
        serve.add_argument(
            "--faults", type=float, default=0.0, help=_("share of API requests that fail (0 to 1)")
        )
        serve.add_argument(
            "--fault-kinds",
            default="",
            help=_("comma-separated kinds of faults to draw from (default: all of %(kinds)s)")
            % {"kinds": ", ".join(KINDS)},
        )
        serve.add_argument(
            "--retry-after", type=int, default=1, help=_("seconds in Retry-After of a fault")
        )
        serve.add_argument("--slow", type=float, default=1.0, help=_("seconds a slow answer waits"))
        serve.add_argument(
            "--page-cap", type=int, default=50, help=_("largest page a Gitea forge sends")
        )
        serve.add_argument(
            "--rate-limit", type=int, default=5000, help=_("requests per token and window")
        )
        serve.add_argument(
            "--anonymous-rate-limit",
            type=int,
            help=_("requests per window without a token (default: as --rate-limit)"),
        )
        serve.add_argument(
            "--rate-window", type=float, default=3600.0, help=_("seconds of a rate-limit window")
        )
        serve.add_argument(
            "--tokens", default="", help=_("comma-separated tokens to accept (default: any)")
        )
        serve.add_argument(
            "--no-gitlab-graphql",
            action="store_true",
            help=_("answer 404 to GitLab GraphQL, as an old or locked-down instance does"),
        )
        serve.add_argument(
            "--gitlab-max-complexity",
            type=int,
            help=_("GitLab GraphQL's largest query complexity (default: GitLab's 200 and 250)"),
        )
        serve.add_argument(
            "--sources-dir",
            type=Path,
            help=_("folder to write the sources file into (default: COMMUNS_HOME/emulator)"),
        )
        serve.add_argument(
            "--git-cache",
            type=Path,
            help=_("folder of the git repositories built on demand (default: a temporary one)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "serve":
            self.serve(**options)

    def serve(self, **options: Any) -> None:
        owners, repositories = SIZES[options["size"]]
        if options["owners"] is not None:
            owners = options["owners"]
        if options["repositories"] is not None:
            repositories = options["repositories"]
        if owners < 1 or repositories < 0:
            raise CommandError(_("--owners must be at least 1 and --repositories at least 0."))
        kinds = tuple(k.strip() for k in options["fault_kinds"].split(",") if k.strip())
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise CommandError(
                _("Unknown fault kinds: %(unknown)s (known: %(known)s).")
                % {"unknown": ", ".join(unknown), "known": ", ".join(KINDS)}
            )
        if not 0 <= options["faults"] <= 1:
            raise CommandError(_("--faults is a share between 0 and 1."))
        complexity = options.get("gitlab_max_complexity")
        if complexity is not None and complexity < 1:
            raise CommandError(_("--gitlab-max-complexity must be at least 1."))
        emulator_settings = Settings(
            page_cap=max(1, options["page_cap"]),
            rate_limit=options["rate_limit"],
            anonymous_rate_limit=options["anonymous_rate_limit"],
            rate_window=options["rate_window"],
            faults=options["faults"],
            fault_seed=options["seed"],
            fault_kinds=kinds,
            retry_after=max(0, options["retry_after"]),
            slow_seconds=max(0.0, options["slow"]),
            tokens=tuple(t.strip() for t in options["tokens"].split(",") if t.strip()),
            gitlab_graphql=not options.get("no_gitlab_graphql", False),
            gitlab_max_complexity=complexity,
        )
        world = build_world(repositories=repositories, owners=owners, seed=options["seed"])
        try:
            server = EmulatorServer(
                world,
                emulator_settings,
                host=options["host"],
                port=options["port"],
                git_root=options["git_cache"],
            )
        except OSError as error:
            raise CommandError(
                _("Cannot listen on %(host)s:%(port)s: %(error)s")
                % {"host": options["host"], "port": options["port"], "error": error}
            ) from error
        folder = options["sources_dir"] or Path(settings.HOME) / "emulator"
        sources = server.write_sources(folder)
        self.stdout.write(_("Forge emulator at %(url)s") % {"url": server.url})
        for forge in world.forges.values():
            urls = server.emulator.describe(server.url)["forges"]
            entry = next(u for u in urls if u["name"] == forge.name)
            scope = _("whole forge") if forge.whole else _("listed owners")
            self.stdout.write(
                f"  {forge.name:<10} {entry['api_url']}  "
                + _("%(count)s repositories, %(scope)s") % {"count": forge.count, "scope": scope}
            )
        self.stdout.write(
            _("Sources file: %(path)s (also at %(url)s/_emulator/sources.yml)")
            % {"path": sources, "url": server.url}
        )
        self.stdout.write(
            _("Statistics at %(url)s/_emulator/stats. Stop with Ctrl-C.") % {"url": server.url}
        )
        self.stdout.flush()
        # SIGTERM stops as cleanly as Ctrl-C: the socket closes and a temporary cache goes.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
