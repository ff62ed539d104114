"""Publishing the open-data files: every dataset as CSV and JSON, with their descriptions.

:func:`publish_open_data` writes, into ``COMMUNS_OPEN_DATA_DIR``:

- ``<dataset>.csv`` and ``<dataset>.json`` for each registered dataset
  (:mod:`communs.opendata.datasets`), rows streamed from the database;
- ``<dataset>.<format>.schema.json``, the Table Schema of each file;
- ``datapackage.json``, a Tabular Data Package listing every file with its schema,
  size, SHA-256 hash, row count and modification time.

Every file is first written whole beside its target under a hidden temporary name, and
the targets are replaced (``os.replace``, atomic on one file system) only once all of
them were written: a failed or killed publish leaves the previous files as they were,
and a reader never gets half a file. ``datapackage.json`` is replaced last. Two
publishes (an import and a harvest) take turns on a lock file. Each dataset's rows are
read from the database once and written to every format as they come.

:func:`refresh_open_data` is what commands call after they changed the data: it
publishes, and logs rather than raises when publishing fails, because the data they
stored is committed and valid whatever happens to the files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import translation

from communs.opendata.datasets import DATAPACKAGE, DATASETS, FORMATS, Dataset
from communs.opendata.schemas import PROFILE, table_schema
from communs.repositories.exports import CsvRowWriter, JsonRowWriter, iso

logger = logging.getLogger(__name__)

# Temporary files start with this, so that no reader mistakes them for published ones.
PART_PREFIX = ".publishing-"
LOCK_FILE = ".publish.lock"
# Temporary files older than this are left-overs of a killed publish.
STALE_SECONDS = 24 * 3600
READ_BLOCK = 1 << 20


class SchemaMismatch(Exception):
    """A dataset's rows do not have exactly the fields its Table Schema describes."""


@dataclass(frozen=True, slots=True)
class PublishedFile:
    name: str
    media_type: str
    bytes: int
    sha256: str
    rows: int | None


@dataclass(slots=True)
class Publication:
    directory: Path
    created: datetime
    files: list[PublishedFile] = field(default_factory=list)

    def rows(self, name: str) -> int | None:
        return next((item.rows for item in self.files if item.name == name), None)


def open_data_dir() -> Path:
    return Path(settings.OPEN_DATA_DIR)


def publish_open_data(directory: Path | None = None) -> Publication:
    """Write every dataset's files and ``datapackage.json`` into ``directory``.

    Raises what writing raised (:class:`OSError`, a database error,
    :class:`SchemaMismatch`); the previous files are then untouched.
    """
    directory = Path(directory) if directory is not None else open_data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with _publish_lock(directory):
        _remove_stale_parts(directory)
        created = datetime.now(UTC).replace(microsecond=0)
        publication = Publication(directory, created)
        staged: list[tuple[Path, Path]] = []
        try:
            resources: list[dict[str, Any]] = []
            # Titles and descriptions in the files are in English, as the schemas are.
            with translation.override("en"):
                for dataset in DATASETS.values():
                    resources += _stage_dataset(dataset, directory, staged, publication)
                package = _datapackage(resources, created)
            _stage_json(directory, DATAPACKAGE, package, staged, publication)
            # All written: now replace the published files, the package last.
            for temporary, target in staged:
                os.replace(temporary, target)
        finally:
            for temporary, _target in staged:
                temporary.unlink(missing_ok=True)
    return publication


def refresh_open_data() -> Publication | None:
    """Publish after an import or a harvest; a failure is logged, never raised.

    The harvest and import commands call this once their data are committed: the files
    then follow the database. Returns None when publishing failed.
    """
    try:
        return publish_open_data()
    except (OSError, DatabaseError, SchemaMismatch):
        logger.exception("The open-data files could not be published; the previous ones stay.")
        return None


def read_datapackage(directory: Path | None = None) -> dict[str, Any] | None:
    """The published ``datapackage.json``, or None when nothing was published yet."""
    directory = Path(directory) if directory is not None else open_data_dir()
    try:
        package = json.loads((directory / DATAPACKAGE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return package if isinstance(package, dict) else None


# -- writing ---------------------------------------------------------------------------


def _checked(rows: Iterator[dict[str, object]], dataset: Dataset) -> Iterator[dict[str, object]]:
    """``rows``, refusing the first whose keys are not the schema's fields in order."""
    expected = dataset.field_names
    checked_first = False
    for row in rows:
        if not checked_first:
            if tuple(row) != expected:
                raise SchemaMismatch(
                    f"{dataset.name}: rows have {list(row)}, the schema {list(expected)}"
                )
            checked_first = True
        yield row


def _stage_dataset(
    dataset: Dataset,
    directory: Path,
    staged: list[tuple[Path, Path]],
    publication: Publication,
) -> list[dict[str, Any]]:
    """Write ``dataset`` in every format, reading its rows once; its resources."""
    targets = []
    with ExitStack() as files:
        writers: list[CsvRowWriter | JsonRowWriter] = []
        for file_format in FORMATS:
            name = dataset.data_file(file_format)
            temporary = _temporary(directory, name)
            staged.append((temporary, directory / name))
            out = files.enter_context(temporary.open("w", encoding="utf-8", newline=""))
            if file_format.name == "csv":
                writers.append(CsvRowWriter(out, dataset.field_names))
            else:
                writers.append(JsonRowWriter(out))
            targets.append((file_format, name, temporary, out))
        # One pass over the database for every format: reading the rows is the cost.
        for row in _checked(dataset.rows(), dataset):
            for writer in writers:
                writer.write(row)
        for writer, target in zip(writers, targets, strict=True):
            writer.close()
            _sync(target[3])

    resources = []
    for writer, (file_format, name, temporary, _out) in zip(writers, targets, strict=True):
        size, digest = _digest(temporary)
        publication.files.append(
            PublishedFile(name, file_format.media_type, size, digest, writer.count)
        )
        schema_name = dataset.schema_file(file_format)
        _stage_json(
            directory,
            schema_name,
            table_schema(dataset.fields, file_format.name),
            staged,
            publication,
        )
        resource: dict[str, Any] = {
            "name": f"{dataset.name}-{file_format.name}",
            "path": name,
            "profile": "tabular-data-resource",
            "title": str(dataset.title),
            "description": str(dataset.description),
            "format": file_format.name,
            "mediatype": file_format.media_type,
            "encoding": "utf-8",
            "bytes": size,
            "hash": f"sha256:{digest}",
            "rows": writer.count,
            "last_modified": iso(publication.created),
            "schema": schema_name,
        }
        if file_format.name == "csv":
            resource["dialect"] = {"delimiter": ",", "lineTerminator": "\n", "header": True}
        resources.append(resource)
    return resources


def _datapackage(resources: list[dict[str, Any]], created: datetime) -> dict[str, Any]:
    return {
        "profile": PROFILE,
        "name": "communs-open-data",
        "title": f"{settings.SITE_NAME}: open data",
        "description": "Public organisations, and the source code they publish on the "
        "forges, as harvested by Communs.",
        "created": iso(created),
        "resources": resources,
    }


def _stage_json(
    directory: Path,
    name: str,
    value: object,
    staged: list[tuple[Path, Path]],
    publication: Publication,
) -> None:
    temporary = _temporary(directory, name)
    staged.append((temporary, directory / name))
    with temporary.open("w", encoding="utf-8") as out:
        json.dump(value, out, ensure_ascii=False, indent=2)
        out.write("\n")
        _sync(out)
    size, digest = _digest(temporary)
    publication.files.append(PublishedFile(name, "application/json", size, digest, None))


def _temporary(directory: Path, name: str) -> Path:
    descriptor, path = tempfile.mkstemp(prefix=f"{PART_PREFIX}{name}.", dir=directory)
    os.close(descriptor)
    # mkstemp makes files only their owner reads; published files are for everyone
    # (a web server in front may serve the folder itself).
    os.chmod(path, 0o644)
    return Path(path)


def _sync(out: Any) -> None:
    """Flush ``out`` to the disk, so that a crash after the rename keeps a whole file."""
    out.flush()
    os.fsync(out.fileno())


def _digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while block := source.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _remove_stale_parts(directory: Path) -> None:
    limit = time.time() - STALE_SECONDS
    for path in _parts(directory):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _parts(directory: Path) -> Iterable[Path]:
    return directory.glob(f"{PART_PREFIX}*")


@contextmanager
def _publish_lock(directory: Path) -> Iterator[None]:
    """Hold the folder's lock file: concurrent publishes wait for each other."""
    with (directory / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
