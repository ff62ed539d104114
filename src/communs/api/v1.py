"""Version 1 of the JSON API, under ``/api/v1/``: read-only, public, documented.

Each operation turns validated parameters into calls to ``communs.api.finder`` (the
search the list pages use) and ``communs.api.rows`` (which read through
``communs.web.queries``, as the pages do), and returns plain data that ninja checks
against the schemas of ``communs.api.schemas``.
What every answer shares (ETag and 304s, CORS, rate limits, JSON errors for URLs no
operation matches) is done around the API by ``communs.api.middleware``.

Every error is ``{"detail": "..."}``: 400 names each refused parameter and why, 404
says what was not found. E-mail addresses are hidden in every answer by the renderer,
whatever text a forge or a sources file put them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError, ValidationError
from ninja.renderers import JSONRenderer

from communs.api import analysis, catalogue, history, publiccode, rows, schemas
from communs.api.cursor import MAX_INTEGER, CursorError
from communs.api.docs import OfflineDocs
from communs.api.finder import BadParameter, RepositorySearch, find_repositories
from communs.api.paging import KeysetOrder, keyset_page
from communs.repositories.models import Repository
from communs.sources.models import Organisation
from communs.web import present, queries

DESCRIPTION = """\
The index of public source code, read-only and public: repositories with the filters of
the site's list, organisations and their hierarchy, forges, and the figures of the home
page. Lists are paged with an opaque `cursor`: pass the `next_cursor` of a page to get
the next one. Every answer carries an `ETag` (send it back in `If-None-Match` to get a
304), reading is allowed from any origin (CORS), and each client address has a budget
of requests: a 429 answer says when to retry. Errors are `{"detail": "..."}`.
"""

# The pages' order of organisations (``queries.ORGANISATION_SORTS["name"]``).
ORGANISATION_ORDER = KeysetOrder("organisations", Lower("name"), False, str)

# Every operation may answer these, besides its own 200 (and 404 for one object).
COMMON_ERRORS: dict[int, Any] = {
    304: None,
    400: schemas.BadRequest,
    429: schemas.TooManyRequests,
}


class RedactingRenderer(JSONRenderer):
    """JSON with every e-mail address in every text replaced: the last word on personal
    data, whatever field a forge or a sources file wrote one in. Text is sent as UTF-8
    rather than escaped, as the export writes it."""

    json_dumps_params = {"ensure_ascii": False}

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        hidden = _("[e-mail address hidden]")
        return super().render(request, _redacted(data, hidden), response_status=response_status)


def _redacted(value: Any, hidden: str) -> Any:
    if isinstance(value, str):
        # No "@", no address: most texts skip the regular expression.
        return present.redact_emails(value, hidden) if "@" in value else value
    if isinstance(value, dict):
        return {_redacted(key, hidden): _redacted(item, hidden) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item, hidden) for item in value]
    return value


class CommunsAPI(NinjaAPI):
    """ninja's API, keeping its OpenAPI document once built: it only changes with the
    code, and building it takes longer than answering most requests."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        built = self.__dict__.setdefault("_openapi_documents", {})
        if path_prefix not in built:
            built[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return built[path_prefix]


api = CommunsAPI(
    title="Communs API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=OfflineDocs(),
    renderer=RedactingRenderer(),
)


# -- errors ---------------------------------------------------------------------------


def _bad_request(request: HttpRequest, problems: list[tuple[str, str]]) -> HttpResponse:
    detail = "; ".join(f"{name}: {problem}" for name, problem in problems)
    body = {
        "detail": _("Bad parameter. %(problems)s") % {"problems": detail},
        "errors": [{"parameter": name, "problem": problem} for name, problem in problems],
    }
    return api.create_response(request, body, status=400)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    problems = []
    for item in error.errors:
        # ninja's locations read ("query", "filters", "limit") or ("path", "id").
        location = [str(part) for part in item.get("loc", ()) if not isinstance(part, int)]
        name = location[-1] if len(location) > 1 else "?"
        problems.append((name, str(item.get("msg", _("invalid value")))))
    return _bad_request(request, problems)


@api.exception_handler(BadParameter)
def _bad_parameter(request: HttpRequest, error: BadParameter) -> HttpResponse:
    return _bad_request(request, [(error.name, error.problem)])


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(error) or _("Not found.")}, status=404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": error.message}, status=error.status_code)


# -- helpers --------------------------------------------------------------------------


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    """This request's URL with ``cursor`` in place of its own, or None without one."""
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"{request.path}?{params.urlencode()}"


def _last_modified(response: HttpResponse, repositories: Iterable[Repository]) -> None:
    """``Last-Modified``: the latest time Communs saw any of ``repositories`` change.

    That is when it first listed one, last harvested one, or saw one go; an ETag
    remains the exact check (a figure can change with no listed row).
    """
    moments: list[datetime] = [
        moment
        for repo in repositories
        for moment in (repo.first_seen_at, repo.last_harvested_at, repo.gone_since)
        if moment is not None
    ]
    if moments:
        response["Last-Modified"] = http_date(max(moments).timestamp())


# -- repositories ---------------------------------------------------------------------


@api.get(
    "/repositories",
    response={200: schemas.RepositoryPage, **COMMON_ERRORS},
    operation_id="list_repositories",
    summary="List repositories",
    tags=["repositories"],
)
def list_repositories(
    request: HttpRequest, response: HttpResponse, filters: Query[schemas.RepositoryQuery]
) -> dict[str, object]:
    """Repositories matching every filter given, a page at a time, with how many match
    and, for each filter, how many choosing each of its values would give (facets)."""
    found = find_repositories(RepositorySearch(**filters.model_dump()))
    _last_modified(response, found.repositories)
    facets = None
    if filters.facets:
        facets = {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in values]
            for name, values in found.facets.items()
        }
    return {
        "count": found.count,
        "sort": found.sort,
        "next_cursor": found.next_cursor,
        "next": _next_url(request, found.next_cursor),
        "results": [rows.repository_row(repo) for repo in found.repositories],
        "facets": facets,
    }


@api.get(
    "/repositories/{id}",
    response={200: schemas.Repository, 404: schemas.Error, **COMMON_ERRORS},
    operation_id="get_repository",
    summary="One repository",
    tags=["repositories"],
)
def get_repository(
    request: HttpRequest,
    response: HttpResponse,
    id: int = Path(description="The repository's `id`.", examples=[1234]),
) -> dict[str, object]:
    """A repository by its id, even one its forge no longer lists (see `gone_since`)."""
    # Past the databases' integer range no row exists, and the query would fail.
    repo = None
    if 1 <= id <= MAX_INTEGER:
        repo = (
            Repository.objects.select_related("forge__organisation", "account__organisation")
            .filter(pk=id)
            .first()
        )
    if repo is None:
        raise Http404(_("There is no such repository."))
    _last_modified(response, [repo])
    return rows.repository_row(repo)


# -- organisations --------------------------------------------------------------------


@api.get(
    "/organisations",
    response={200: schemas.OrganisationPage, **COMMON_ERRORS},
    operation_id="list_organisations",
    summary="List organisations",
    tags=["organisations"],
)
def list_organisations(
    request: HttpRequest, filters: Query[schemas.OrganisationQuery]
) -> dict[str, object]:
    """Organisations by name, with their counts of accounts and repositories."""
    listed = queries.search_organisations(
        queries.OrganisationFilters(q=filters.q.strip(), ministry=filters.ministry.strip())
    ).order_by()
    if filters.level:
        listed = listed.filter(level=filters.level)
    try:
        page = keyset_page(
            listed,
            ORGANISATION_ORDER,
            filters.cursor,
            filters.limit,
            fetch=lambda selected: queries.with_account_and_child_counts(
                selected.select_related("parent")
            ),
        )
    except CursorError as error:
        raise BadParameter("cursor", str(error)) from error
    return {
        "count": listed.count(),
        "next_cursor": page.next_cursor,
        "next": _next_url(request, page.next_cursor),
        "results": rows.organisation_rows(page.rows),
    }


@api.get(
    "/organisations/{key}",
    response={200: schemas.OrganisationDetail, 404: schemas.Error, **COMMON_ERRORS},
    operation_id="get_organisation",
    summary="One organisation",
    tags=["organisations"],
)
def get_organisation(
    request: HttpRequest,
    key: str = Path(description="The organisation's `key`.", examples=["dinum"]),
) -> dict[str, object]:
    """An organisation by key, with the chain of its parents up to its ministry, the
    organisations directly under it, its accounts on forges and the forges it runs."""
    organisation = None
    if "\x00" not in key:
        organisation = Organisation.objects.select_related("parent").filter(key=key).first()
    if organisation is None:
        raise Http404(_("There is no such organisation."))
    return rows.organisation_detail(organisation)


# -- forges ---------------------------------------------------------------------------


@api.get(
    "/forges",
    response={200: list[schemas.Forge], **COMMON_ERRORS},
    operation_id="list_forges",
    summary="List forges",
    tags=["forges"],
)
def list_forges(request: HttpRequest) -> list[dict[str, object]]:
    """Every forge Communs knows, by host key, ignored ones included (`ignored_since`)."""
    return rows.forge_rows(rows.forges_with_counts())


@api.get(
    "/forges/{path:host}",
    response={200: schemas.Forge, 404: schemas.Error, **COMMON_ERRORS},
    operation_id="get_forge",
    summary="One forge",
    tags=["forges"],
)
def get_forge(
    request: HttpRequest,
    host: str = Path(
        description="The forge's host key; its slashes are not escaped.",
        examples=["gitlab.com", "git.example.org:8443/gitlab"],
    ),
) -> dict[str, object]:
    """A forge by its host key, which may hold a port and a path
    (`/api/v1/forges/git.example.org:8443/gitlab`)."""
    forge = None
    if "\x00" not in host:
        forge = next(iter(rows.forges_with_counts(host=host)), None)
    if forge is None:
        raise Http404(_("There is no such forge."))
    return rows.forge_rows([forge])[0]


# -- figures --------------------------------------------------------------------------


@api.get(
    "/stats",
    response={200: schemas.Statistics, **COMMON_ERRORS},
    operation_id="get_stats",
    summary="Figures of the index",
    tags=["figures"],
)
def get_stats(request: HttpRequest) -> dict[str, object]:
    """The home page's figures, and repositories counted by licence, language, forge
    and ministry. Counted over the whole index, they may lag a few minutes behind it."""
    return rows.statistics()


# -- publiccode.yml -------------------------------------------------------------------

api.add_router("/publiccode", publiccode.router)


# -- analysis and dependencies --------------------------------------------------------

api.add_router("", analysis.router)

# -- software catalogue ---------------------------------------------------------------

api.add_router("/catalogue", catalogue.router)

# -- history: daily snapshots and repositories' series ------------------------------------

api.add_router("", history.router)
