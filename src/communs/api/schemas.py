"""The API's parameters and answers, as ninja schemas: they validate what comes in and
document what goes out in the OpenAPI document.

Field names of a repository and an organisation are those of the JSON export
(``communs.repositories.exports``). Descriptions are in English, the language of the
OpenAPI document; error messages follow the request's language.
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from communs.api.cursor import MAX_CURSOR_LENGTH
from communs.api.finder import MAX_DAYS, MAX_SCORE, Presence, RepositorySort

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
MAX_QUERY_LENGTH = 1000
MAX_VALUE_LENGTH = 300


def _no_nul(value: str | None) -> str | None:
    """Text without NUL characters, which no database column can hold or match."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


# -- parameters -----------------------------------------------------------------------


def _cursor() -> Any:
    return Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        description="Where the page starts: the `next_cursor` of the previous page. "
        "Leave it out for the first page.",
    )


def _limit() -> Any:
    return Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many rows a page holds at most."
    )


class RepositoryQuery(Schema):
    """The filters of the repository list, with the names the site's list page uses."""

    q: str = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="Words to look for in the name, path, description, topics and "
        "organisation; every word must match, the last one as a prefix. Quotes and "
        "operators are plain characters.",
    )
    license: str = Field(
        "",
        max_length=MAX_VALUE_LENGTH,
        description="An SPDX licence expression as stored (`MIT`, `EUPL-1.2`), or `unknown` "
        "for repositories whose licence nobody identified.",
    )
    language: str = Field("", max_length=MAX_VALUE_LENGTH, description="The main language.")
    forge: str = Field(
        "", max_length=MAX_VALUE_LENGTH, description="A forge's host key (`gitlab.com`)."
    )
    organisation: str = Field(
        "",
        max_length=MAX_VALUE_LENGTH,
        description="An organisation's key: its repositories and those of every "
        "organisation under it.",
    )
    ministry: str = Field(
        "",
        max_length=MAX_VALUE_LENGTH,
        description="A ministry's key: the repositories of everything under it.",
    )
    fork: Presence | None = Field(
        None, description="`only` forks, or `exclude` them; both when left out."
    )
    archived: Presence | None = Field(
        None, description="`only` archived repositories, or `exclude` them."
    )
    template: Presence | None = Field(
        None, description="`only` template repositories, or `exclude` them."
    )
    publiccode: Presence | None = Field(
        None,
        description="`only` repositories with a `publiccode.yml` at their root, or "
        "`exclude` them (those whose root files are not known yet are kept).",
    )
    contributing: Presence | None = Field(
        None, description="`only` repositories with a contribution guide, or `exclude` them."
    )
    free: bool = Field(
        False, description="Only repositories under a free licence (OSI or FSF approved)."
    )
    pushed_within: int | None = Field(
        None,
        ge=1,
        le=MAX_DAYS,
        description="Only repositories pushed to in the last this many days.",
        examples=[365],
    )
    gone: bool = Field(False, description="Also list repositories their forge no longer lists.")
    score: int | None = Field(
        None,
        ge=-MAX_SCORE,
        le=MAX_SCORE,
        description="Only repositories whose code.gouv.fr score is at least this "
        "(repositories not analysed yet are scored from their forge metadata, provisionally).",
        examples=[10],
    )
    hidden: bool = Field(
        False,
        description="Also list repositories with a negative code.gouv.fr score, hidden by "
        "default as on code.gouv.fr.",
    )
    sort: RepositorySort | None = Field(
        None,
        description="`relevance` (the default with words), `pushed` (last push first, the "
        "default without words), `stars`, `forks`, `created` (newest first) or `name`.",
    )
    facets: bool = Field(
        True,
        description="Count, for each filter's values, how many repositories choosing it "
        "would give.",
    )
    cursor: str | None = _cursor()
    limit: int = _limit()

    _text = field_validator(
        "q", "license", "language", "forge", "organisation", "ministry", "cursor"
    )(_no_nul)


class OrganisationQuery(Schema):
    q: str = Field(
        "", max_length=MAX_QUERY_LENGTH, description="Text to look for in the organisation's name."
    )
    ministry: str = Field(
        "",
        max_length=MAX_VALUE_LENGTH,
        description="A ministry's key: the organisations under it (and itself).",
    )
    level: Literal["ministry", "organisation"] | None = Field(
        None, description="Only ministries, or only other organisations."
    )
    cursor: str | None = _cursor()
    limit: int = _limit()

    _text = field_validator("q", "ministry", "cursor")(_no_nul)


# -- answers --------------------------------------------------------------------------


class Error(Schema):
    detail: str = Field(description="What went wrong, for a person to read.")


class ParameterProblem(Schema):
    parameter: str = Field(description="The parameter's name.", examples=["limit"])
    problem: str = Field(
        description="Why it was refused.", examples=["Input should be less than or equal to 100"]
    )


class BadRequest(Error):
    errors: list[ParameterProblem] = Field(
        default_factory=list, description="Each refused parameter, with why."
    )


class TooManyRequests(Error):
    limit: int = Field(description="Requests allowed per period.", examples=[60])
    period: int = Field(description="The period, in seconds.", examples=[60])
    retry_after: int = Field(
        description="Seconds until requests are accepted again.", examples=[17]
    )


class Repository(Schema):
    """A repository, with the field names of the JSON export."""

    id: int = Field(description="Communs' id for the repository.", examples=[1234])
    forge: str = Field(description="The forge's host key.", examples=["gitlab.com"])
    owner: str = Field(description="The path before the name.", examples=["etalab/tools"])
    name: str = Field(examples=["communs"])
    full_name: str = Field(description="The path on the forge.", examples=["etalab/communs"])
    url: str = Field(examples=["https://gitlab.com/etalab/communs"])
    description: str = Field(
        description="As the forge gives it; e-mail addresses are hidden.",
        examples=["A catalogue of public-sector free software."],
    )
    homepage: str = Field(examples=[""])
    default_branch: str = Field(examples=["main"])
    is_fork: bool | None = Field(description="None when the forge did not say.")
    is_archived: bool
    is_template: bool
    license: str = Field(
        description="An SPDX expression, `NOASSERTION` for a licence the forge could not "
        "identify, empty when unknown.",
        examples=["EUPL-1.2"],
    )
    language: str = Field(description="The main language, empty when unknown.")
    languages: dict[str, int] = Field(
        description="Bytes per language, as the forge reports them.",
        examples=[{"Python": 120345, "HTML": 6780}],
    )
    topics: list[str] = Field(examples=[["open-data", "django"]])
    stars: int
    forks: int
    watchers: int
    open_issues: int
    created_at: str | None = Field(description="ISO 8601, UTC.", examples=["2021-03-04T10:00:00Z"])
    updated_at: str | None = Field(description="ISO 8601, UTC.")
    pushed_at: str | None = Field(description="ISO 8601, UTC.")
    organisation: str | None = Field(
        description="The key of the organisation it belongs to.", examples=["dinum"]
    )
    account: str | None = Field(description="The forge account it is listed under.")
    first_seen_at: str | None = Field(description="When Communs first listed it.")
    last_harvested_at: str | None = Field(description="When a harvest last saw it.")
    gone_since: str | None = Field(description="Since when its forge no longer lists it.")


class FacetValue(Schema):
    value: str = Field(description="What to send in the filter.", examples=["MIT"])
    label: str = Field(description="What to show, in the request's language.")
    count: int = Field(description="Repositories the filter would give.", examples=[42])


def _facet(description: str) -> Any:
    return Field(default_factory=list, description=description)


class RepositoryFacets(Schema):
    """Values of each filter, most frequent first; a chosen value is always listed."""

    license: list[FacetValue] = _facet("`unknown` counts those without an identified licence.")
    language: list[FacetValue] = _facet("Main languages.")
    forge: list[FacetValue] = _facet("Forge host keys.")
    organisation: list[FacetValue] = _facet("Organisation keys, with what is under each.")
    ministry: list[FacetValue] = _facet("Ministry keys, with what is under each.")
    fork: list[FacetValue] = _facet("`only` and `exclude`.")
    archived: list[FacetValue] = _facet("`only` and `exclude`.")
    template: list[FacetValue] = _facet("`only` and `exclude`.")
    publiccode: list[FacetValue] = _facet("`only` and `exclude`.")
    contributing: list[FacetValue] = _facet("`only` and `exclude`.")
    free: list[FacetValue] = _facet("`1`: under a free licence (the `free` filter).")
    pushed_within: list[FacetValue] = _facet("Days, for the `pushed_within` filter.")


class RepositoryPage(Schema):
    count: int = Field(description="How many repositories match, on every page.", examples=[812])
    sort: str = Field(description="The order used.", examples=["pushed"])
    next_cursor: str | None = Field(description="The `cursor` of the next page; None at the end.")
    next: str | None = Field(description="The next page's URL; None at the end.")
    results: list[Repository]
    facets: RepositoryFacets | None = Field(
        None, description="Values of each filter among the results; None unless asked for."
    )


class OrganisationRef(Schema):
    key: str = Field(examples=["ministere-interieur"])
    name: str
    level: str = Field(description="`ministry` or `organisation`.")


class Organisation(Schema):
    """A public body, with the field names of the JSON export of organisations."""

    key: str = Field(description="A stable, URL-safe key.", examples=["dinum"])
    name: str = Field(examples=["Direction interministérielle du numérique"])
    pso_id: str | None = Field(description="Identifier in the directory of public services.")
    level: str = Field(description="`ministry` or `organisation`.", examples=["organisation"])
    parent: str | None = Field(description="The parent's key.")
    ministry: str | None = Field(description="The key of the ministry it belongs to.")
    website: str
    floss_policy_url: str = Field(description="Its open-source policy.")
    ospo_url: str = Field(description="Its open-source programme office.")
    accounts: int = Field(description="Its accounts on forges.")
    repositories: int = Field(description="Repositories of its own accounts and forges.")
    repositories_with_descendants: int = Field(
        description="Repositories of it and every organisation under it."
    )
    sub_organisations: int = Field(description="Organisations directly under it.")


class OrganisationPage(Schema):
    count: int
    next_cursor: str | None
    next: str | None
    results: list[Organisation]


class Account(Schema):
    forge: str = Field(examples=["github.com"])
    path: str = Field(examples=["etalab"])
    url: str = Field(examples=["https://github.com/etalab"])
    display_name: str
    ignored_since: str | None = Field(description="A date: no longer harvested since then.")
    repositories: int


class OrganisationDetail(Organisation):
    description: str = Field(description="E-mail addresses are hidden.")
    identifiers: dict[str, Any] = Field(
        description="Other identifiers (SIREN, Wikidata…).", examples=[{"siren": "130025265"}]
    )
    ancestors: list[OrganisationRef] = Field(description="From the ministry down to the parent.")
    children: list[Organisation] = Field(description="Organisations directly under it.")
    forge_accounts: list[Account] = Field(description="Its accounts on forges.")
    forges: list[str] = Field(description="Host keys of the forges it runs.")


class Forge(Schema):
    host: str = Field(
        description="The host key: a host name, with a port or a path when the forge has one.",
        examples=["gitlab.com", "git.example.org:8443/gitlab"],
    )
    kind: str = Field(examples=["gitlab"])
    url: str = Field(examples=["https://gitlab.com"])
    api_url: str = Field(examples=["https://gitlab.com/api/v4"])
    scope: str = Field(
        description="`instance`: every repository of the forge is public code; `owners`: "
        "only the listed accounts are."
    )
    organisation: str | None = Field(description="The key of the organisation running it.")
    ignored_since: str | None = Field(description="A date: no longer harvested since then.")
    ignored_reason: str
    accounts: int = Field(description="Accounts followed on it.")
    repositories: int = Field(description="Repositories it still lists.")


class CountedValue(Schema):
    value: str
    count: int


class MinistryCount(CountedValue):
    name: str


class YearCount(Schema):
    year: int
    count: int = Field(description="Repositories their forge says were created that year.")


class MonthCount(Schema):
    month: str = Field(description="`YYYY-MM`, in UTC.", examples=["2024-05"])
    created: int = Field(description="Repositories created on their forge that month.")
    first_seen: int = Field(description="Repositories Communs saw first that month.")
    created_total: int = Field(description="Created up to the end of that month.")
    first_seen_total: int = Field(description="First seen up to the end of that month.")


class Statistics(Schema):
    """The figures of the home page, and repositories counted four ways."""

    repositories: int = Field(description="Repositories their forge still lists.")
    licensed: int = Field(description="Of which with an identified licence.")
    licensed_percent: float
    forks: int
    archived: int
    stars: int
    organisations: int
    ministries: int
    forges: int = Field(description="Forges followed (not ignored).")
    accounts: int = Field(description="Accounts followed (not ignored).")
    by_license: list[CountedValue] = Field(description="`unknown`: no licence identified.")
    by_language: list[CountedValue]
    by_forge: list[CountedValue]
    by_ministry: list[MinistryCount] = Field(
        description="Repositories of each ministry and of everything under it."
    )
    by_year: list[YearCount] = Field(
        description="Every year from the first creation date to the last; unknown or "
        "implausible dates (before 1980, in the future) are left out."
    )
    by_month: list[MonthCount] = Field(
        description="Every month from the first to the last, with running totals."
    )
