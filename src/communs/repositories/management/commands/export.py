"""``communs export repositories|organisations``: the index as JSON or CSV, streamed."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communs.repositories.exports import (
    CHUNK_SIZE,
    ORGANISATION_FIELDS,
    REPOSITORY_FIELDS,
    organisation_rows,
    repository_rows,
    write_csv,
    write_json,
)

ROWS: dict[str, tuple[Callable[..., Iterator[dict[str, object]]], tuple[str, ...]]] = {
    "repositories": (repository_rows, REPOSITORY_FIELDS),
    "organisations": (organisation_rows, ORGANISATION_FIELDS),
}


class _Stdout:
    """A file-like front for the command's stdout, which adds no line ends of its own."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> int:
        self._wrapper.write(text, ending="")
        return len(text)


class Command(BaseCommand):
    help = (
        "Export repositories or organisations as JSON or CSV, to stdout or a file.\n"
        "Rows are written as they are read, so memory stays flat however many there are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=sorted(ROWS))
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
        )
        parser.add_argument(
            "--include-gone",
            action="store_true",
            help="include repositories no longer found on their forge (and count them)",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help=f"rows fetched from the database at a time (default {CHUNK_SIZE})",
        )

    def handle(self, *args: object, **options: object) -> None:
        what = str(options["what"])
        output: Path | None = options["output"]  # type: ignore[assignment]
        chunk_size = int(options["chunk_size"])  # type: ignore[arg-type]
        if chunk_size < 1:
            raise CommandError(_("--chunk-size must be 1 or more."))
        make_rows, fields = ROWS[what]
        rows = make_rows(include_gone=bool(options["include_gone"]), chunk_size=chunk_size)
        if output is None:
            try:
                count = self._write(rows, fields, str(options["format"]), _Stdout(self.stdout))
            except BrokenPipeError:
                # The reader went away (``| head``): stop quietly, as command-line tools do,
                # and keep Python from complaining again when it flushes stdout at exit.
                rows.close()
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
        else:
            # Written beside the target and moved over it at the end, so that a failed
            # export never leaves half a file where a whole one was expected.
            partial = output.with_name(output.name + ".part")
            try:
                with partial.open("w", encoding="utf-8", newline="") as out:
                    count = self._write(rows, fields, str(options["format"]), out)
                os.replace(partial, output)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise CommandError(f"{output}: {error.strerror or error}") from None
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        if what == "repositories":
            done = ngettext(
                "Exported %(count)s repository.", "Exported %(count)s repositories.", count
            )
        else:
            done = ngettext(
                "Exported %(count)s organisation.", "Exported %(count)s organisations.", count
            )
        self.stderr.write(done % {"count": intcomma(count)})

    def _write(
        self,
        rows: Iterator[dict[str, object]],
        fields: tuple[str, ...],
        format: str,
        out: TextIO | _Stdout,
    ) -> int:
        if format == "csv":
            return write_csv(rows, fields, out)  # type: ignore[arg-type]
        return write_json(rows, out)  # type: ignore[arg-type]
