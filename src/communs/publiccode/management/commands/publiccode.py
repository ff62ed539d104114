"""``communs publiccode validate FILE…``: a thin shell over ``communs.publiccode.validate``;
``communs publiccode init [--repo URL] [--output FILE]``: a draft from ``generator.draft``.

Exit status of ``validate``: 0 when every file is valid (warnings allowed), 1 when one is
invalid, 2 when a file cannot be read or the arguments are wrong (argparse's own status).
``init``: 0 when the draft is written, 2 when the arguments are wrong or the output
cannot be written, 1 if the draft itself does not validate (a bug: it is still written,
with the results on standard error, so that nothing is lost).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from communs.publiccode import Report, validate
from communs.publiccode.generator import Facts, draft
from communs.publiccode.known import find_repository, repository_facts
from communs.publiccode.remote import RemoteError, check_repository_url
from communs.publiccode.yamltree import MAX_BYTES

EXIT_INVALID = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = gettext_lazy("Check publiccode.yml files against the standard.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = actions.add_parser(
            "validate",
            help=_("validate publiccode.yml files"),
            description=_(
                "Validate publiccode.yml files as the reference validator does: required "
                "and conditional keys, types, unknown keys, dates, languages, countries, "
                "licences, vocabularies, lengths, logos and screenshots next to the file. "
                "'-' reads standard input. Exit status: 0 when every file is valid, 1 when "
                "one is invalid, 2 when a file cannot be read."
            ),
        )
        check.add_argument("files", nargs="+", metavar="FILE")
        check.add_argument("--format", choices=("text", "json"), default="text")
        check.add_argument(
            "--network",
            action="store_true",
            help=_("also fetch the URLs the file names (public addresses only)"),
        )
        check.add_argument(
            "--ipa-codes",
            type=Path,
            metavar="FILE",
            help=_("a file of Italian iPA codes, one per line, for urn:x-italian-pa: URIs"),
        )

        init = actions.add_parser(
            "init",
            help=_("draft a publiccode.yml for a repository"),
            description=_(
                "Draft a valid publiccode.yml from what Communs knows about a repository "
                "(name, address, licence, description, organisation), with '# TODO:' "
                "comments where a person must check or fill in. Without --repo, the "
                "current folder's git remote 'origin' is used."
            ),
        )
        init.add_argument("--repo", metavar="URL", help=_("the repository's web address"))
        init.add_argument(
            "--output",
            metavar="FILE",
            help=_("where to write the draft ('-', the default, writes to standard output)"),
        )
        init.add_argument(
            "--force", action="store_true", help=_("replace the output file if it exists")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "init":
            self._init(options)
            return
        ipa_codes = None
        if options["ipa_codes"] is not None:
            try:
                lines = options["ipa_codes"].read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(
                    _("cannot read %(file)s: %(error)s")
                    % {"file": options["ipa_codes"], "error": error.strerror},
                    returncode=EXIT_UNREADABLE,
                ) from None
            ipa_codes = frozenset(line.strip() for line in lines if line.strip())
        entries: list[dict[str, Any]] = []
        status = 0
        for name in options["files"]:
            data, base, problem = _read(name)
            if problem is not None:
                status = EXIT_UNREADABLE
                self.stderr.write(f"{name}: {problem}")
                entries.append({"file": name, "valid": False, "readable": False, "results": []})
                continue
            report = validate(data, network=options["network"], base_url=base, ipa_codes=ipa_codes)
            if not report.valid and status == 0:
                status = EXIT_INVALID
            entries.append(
                {
                    "file": name,
                    "valid": report.valid,
                    "results": [result.to_dict() for result in report.results],
                }
            )
            if options["format"] == "text":
                self._write_text(name, report)
        if options["format"] == "json":
            self.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2))
        if status:
            sys.exit(status)

    def _init(self, options: dict[str, Any]) -> None:
        url = options["repo"] or _origin_url()
        if not url:
            raise CommandError(
                _("give --repo URL: the current folder has no git remote 'origin'"),
                returncode=EXIT_UNREADABLE,
            )
        try:
            url = check_repository_url(url, any_port=True)
        except RemoteError:
            raise CommandError(
                _("%(url)s is not a repository's web address (https://forge/owner/name)")
                % {"url": url},
                returncode=EXIT_UNREADABLE,
            ) from None
        repository = find_repository(url)
        facts = repository_facts(repository) if repository else Facts(name="", url=url)
        text = draft(facts)
        output = options["output"] or "-"
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            path = Path(output)
            try:
                with path.open("w" if options["force"] else "x", encoding="utf-8") as handle:
                    handle.write(text)
            except FileExistsError:
                raise CommandError(
                    _("%(file)s exists: use --force to replace it") % {"file": output},
                    returncode=EXIT_UNREADABLE,
                ) from None
            except OSError as error:
                raise CommandError(
                    _("cannot write %(file)s: %(error)s")
                    % {"file": output, "error": error.strerror or error},
                    returncode=EXIT_UNREADABLE,
                ) from None
            if repository is not None:
                message = _("%(file)s: a draft from what Communs knows of %(repository)s")
            else:
                message = _("%(file)s: a minimal draft (%(repository)s is not in the database)")
            self.stderr.write(message % {"file": output, "repository": url})
        report = validate(text)
        if not report.valid:
            for result in report.results:
                self.stderr.write(f"{output}:{result.line}:{result.column}: {result.description}")
            sys.exit(EXIT_INVALID)

    def _write_text(self, name: str, report: Report) -> None:
        # Result lines keep the compiler-like, untranslated form tools can parse; the
        # verdict line is for people and follows the locale.
        for result in report.results:
            key = result.key or "-"
            self.stdout.write(
                f"{name}:{result.line}:{result.column}: {result.level}: {key}: {result.description}"
            )
        errors, warnings = len(report.errors), len(report.warnings)
        counts = ", ".join(
            [
                *([ngettext("%d error", "%d errors", errors) % errors] if errors else []),
                *([ngettext("%d warning", "%d warnings", warnings) % warnings] if warnings else []),
            ]
        )
        verdict = _("valid") if report.valid else _("invalid")
        self.stdout.write(f"{name}: {verdict}" + (f" ({counts})" if counts else ""))


def _origin_url() -> str:
    """The web address of the current folder's ``origin`` remote, "" when there is none."""
    try:
        found = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    url = found.stdout.strip()
    # git@host:owner/name.git, the usual SSH form, has a web address at https://host/.
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(?!/)(.+)", url)
    if scp:
        url = f"https://{scp.group(1)}/{scp.group(2)}"
    return url if url.startswith(("https://", "http://")) else ""


def _read(name: str) -> tuple[bytes, str | None, str | None]:
    """The file's bytes (at most one byte over the bound), its folder, or a problem."""
    if name == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1), str(Path.cwd()), None
    path = Path(name)
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1), str(path.resolve().parent), None
    except IsADirectoryError:
        return b"", None, _("cannot read: it is a folder")
    except OSError as error:
        return b"", None, _("cannot read: %(error)s") % {"error": error.strerror or error}
