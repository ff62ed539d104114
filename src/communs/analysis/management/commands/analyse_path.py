"""``communs analyse-path DIR``: analyse a local folder or checkout, print JSON.

A thin shell over :func:`communs.analysis.analyse_tree` and :mod:`communs.scoring`; it
also runs the publiccode.yml validator on the tree's ``publiccode.yml`` so that the
readiness checklist can say whether it is valid. Exit status: 0 once the analysis is
printed (whatever it found), 2 when DIR is not a readable folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.analysis import analyse_tree
from communs.analysis.display import localised_scores
from communs.analysis.examine import publiccode_verdict
from communs.scoring import all_scores, hidden_by_default

EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = gettext_lazy("Analyse a local folder or checkout and print its analysis and scores.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = _(
            "Analyse the source tree in DIR (a folder, a git checkout or an unpacked "
            "archive): community files, licence, REUSE, languages, dependencies, history "
            "and committed secrets; then score it. Prints JSON. Exit status: 0 when the "
            "analysis is printed, 2 when DIR is not a readable folder."
        )
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument(
            "--license",
            metavar="SPDX",
            help=_("the licence the forge declares, compared with the licence files"),
        )
        parser.add_argument(
            "--description",
            metavar="TEXT",
            help=_("the repository's description on its forge, for the scores"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(options["directory"])
        if not root.is_dir() or not os.access(root, os.R_OK | os.X_OK):
            raise CommandError(
                _("%(dir)s is not a readable folder") % {"dir": options["directory"]},
                returncode=EXIT_UNREADABLE,
            )
        analysis = analyse_tree(root, declared_license=options["license"])
        publiccode = publiccode_verdict(root, analysis)
        record = {
            "license": options["license"],
            "description": options["description"],
            "analysis": analysis,
            "publiccode_valid": publiccode["valid"] if publiccode else None,
        }
        scores = all_scores(record)
        output = {
            "analysis": analysis.to_dict(),
            "publiccode": publiccode,
            # Evidence in the shell's language, with its stable id and parameters.
            "scores": localised_scores({name: score.to_dict() for name, score in scores.items()}),
            "hidden_by_default": hidden_by_default(scores["codegouv"]),
        }
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
