"""The open-data page, the published files, and ``robots.txt``.

The files are served by Django from ``COMMUNS_OPEN_DATA_DIR`` (streamed, with ETag and
Last-Modified for conditional requests) so that an installation needs nothing more
than ``communs serve``; a reverse proxy may serve the folder itself instead. Only the
names the dataset registry knows are served: any other name, ``..`` included, is a
404 before the file system is touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from communs.opendata.datasets import DATAPACKAGE, DATASETS, FORMATS, published_names
from communs.opendata.publish import open_data_dir, read_datapackage

# Published files change after a harvest at most: a few minutes in a cache is harmless.
MAX_AGE = 300


@dataclass(frozen=True, slots=True)
class Download:
    """One published file as the page lists it."""

    format: str
    name: str
    bytes: int | None
    rows: int | None
    modified: datetime | None
    schema: str


@dataclass(frozen=True, slots=True)
class DatasetDownloads:
    name: str
    title: str
    description: str
    downloads: list[Download]


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dataset_downloads(package: dict[str, Any] | None) -> list[DatasetDownloads]:
    """Every registered dataset with what ``datapackage.json`` says of its files."""
    resources: dict[str, dict[str, Any]] = {}
    for resource in (package or {}).get("resources") or []:
        if isinstance(resource, dict) and isinstance(resource.get("path"), str):
            resources[resource["path"]] = resource
    listed = []
    for dataset in DATASETS.values():
        downloads = []
        for file_format in FORMATS:
            name = dataset.data_file(file_format)
            resource = resources.get(name)
            if resource is None:
                continue  # not published yet (a dataset registered since)
            downloads.append(
                Download(
                    format=file_format.name.upper(),
                    name=name,
                    bytes=_number(resource.get("bytes")),
                    rows=_number(resource.get("rows")),
                    modified=_moment(resource.get("last_modified")),
                    schema=dataset.schema_file(file_format),
                )
            )
        listed.append(
            DatasetDownloads(dataset.name, str(dataset.title), str(dataset.description), downloads)
        )
    return listed


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    package = read_datapackage()
    context = {
        "section": "open-data",
        "datasets": dataset_downloads(package),
        "published": _moment((package or {}).get("created")),
        "datapackage": DATAPACKAGE,
    }
    return render(request, "opendata/open_data.html", context)


@require_safe
def open_data_file(request: HttpRequest, name: str) -> HttpResponse:
    media_type = published_names().get(name)
    if media_type is None:
        raise Http404(_("There is no such file."))
    try:
        handle = (open_data_dir() / name).open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
        raise Http404(_("This file has not been published yet.")) from error
    # The open file's own size and time: the file may be replaced meanwhile, and the
    # answer must describe the one being sent.
    status = os.fstat(handle.fileno())
    etag = quote_etag(f"{status.st_size:x}-{status.st_mtime_ns:x}")
    last_modified = int(status.st_mtime)
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if conditional is not None:
        handle.close()
        response: HttpResponse = conditional
    else:
        # Data files download; their descriptions open in the browser.
        is_data = name != DATAPACKAGE and not name.endswith(".schema.json")
        content_type = f"{media_type}; charset=utf-8" if media_type == "text/csv" else media_type
        response = FileResponse(
            handle, content_type=content_type, as_attachment=is_data, filename=name
        )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Open data: any site may read it from a browser.
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        "Disallow: /i18n/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
