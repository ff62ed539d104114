"""The registry of published datasets: what each is, its rows and its Table Schema.

Each :class:`Dataset` is published in every :data:`FORMATS` (CSV and JSON) with one
Table Schema per format. Repositories and organisations are registered here; another
app adds its own with :func:`register_dataset` from its ``AppConfig.ready()``, which is
how the catalogue's export will plug in: a rows function (streamed, like those of
:mod:`communs.repositories.exports`) and its fields. The open-data page, the files
served at ``/open-data/<name>`` and ``datapackage.json`` all follow the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from communs.opendata.schemas import ORGANISATION_FIELDS, REPOSITORY_FIELDS, TableField
from communs.repositories import exports

Rows = Callable[[], Iterator[dict[str, object]]]


@dataclass(frozen=True, slots=True)
class FileFormat:
    name: str
    media_type: str


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("csv", "text/csv"),
    FileFormat("json", "application/json"),
)


@dataclass(frozen=True, slots=True)
class Dataset:
    """One dataset: ``name`` is the file name's stem (``repositories.csv``)."""

    name: str
    title: str | Promise
    description: str | Promise
    fields: tuple[TableField, ...]
    rows: Rows

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.fields)

    def data_file(self, file_format: FileFormat) -> str:
        return f"{self.name}.{file_format.name}"

    def schema_file(self, file_format: FileFormat) -> str:
        """The Table Schema of ``data_file(file_format)``: ``repositories.csv.schema.json``."""
        return f"{self.name}.{file_format.name}.schema.json"


DATASETS: dict[str, Dataset] = {}
DATAPACKAGE = "datapackage.json"


def register_dataset(dataset: Dataset) -> None:
    """Publish ``dataset`` with the others from now on (names must be unique)."""
    if dataset.name in DATASETS and DATASETS[dataset.name] != dataset:
        raise ValueError(f"a dataset named {dataset.name!r} is registered already")
    DATASETS[dataset.name] = dataset


def published_names() -> dict[str, str]:
    """Every file name the open-data folder may hold, with its media type.

    Nothing else in the folder is ever served (temporary files, anything put there
    by hand): ``/open-data/<name>`` answers 404 for a name not in this list.
    """
    names = {DATAPACKAGE: "application/json"}
    for dataset in DATASETS.values():
        for file_format in FORMATS:
            names[dataset.data_file(file_format)] = file_format.media_type
            names[dataset.schema_file(file_format)] = "application/json"
    return names


register_dataset(
    Dataset(
        name="repositories",
        title=_("Repositories"),
        description=_(
            "Every repository that public organisations publish on the forges Communs "
            "follows, present on its forge, with its licence, languages, topics and figures."
        ),
        fields=REPOSITORY_FIELDS,
        rows=exports.repository_rows,
    )
)
register_dataset(
    Dataset(
        name="organisations",
        title=_("Organisations"),
        description=_(
            "Every public organisation, from ministries down, with its place in the "
            "hierarchy, its links and how many accounts and repositories it has."
        ),
        fields=ORGANISATION_FIELDS,
        rows=exports.organisation_rows,
    )
)
