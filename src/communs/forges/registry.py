"""Which adapter serves which forge kind, imported only when first used.

The registry is explicit (a kind names a dotted path), like the transports of a
notification service: adding a forge kind is one line here and one module.
"""

from __future__ import annotations

from importlib import import_module

from communs.forges.base import Adapter
from communs.forges.http import ForgeClient
from communs.forges.kinds import default_api_url
from communs.forges.paging import host_of

ADAPTERS: dict[str, str] = {
    "github": "communs.forges.github.GitHub",
    "gitlab": "communs.forges.gitlab.GitLab",
    "gitea": "communs.forges.gitea.Gitea",
    "forgejo": "communs.forges.gitea.Forgejo",
    "gogs": "communs.forges.gitea.Gogs",
    "bitbucket": "communs.forges.bitbucket.BitbucketCloud",
    "bitbucket-server": "communs.forges.bitbucket.BitbucketServer",
    "sourcehut": "communs.forges.sourcehut.SourceHut",
}

# Bitbucket Cloud's API host; any other "bitbucket" forge is a Server / Data Center.
BITBUCKET_CLOUD_API = "api.bitbucket.org"


def adapter_kind(kind: str, api_url: str) -> str:
    """The registry key for a forge of ``kind`` whose API is at ``api_url``."""
    if kind == "bitbucket" and host_of(api_url) != BITBUCKET_CLOUD_API:
        return "bitbucket-server"
    return kind


def adapter_class(key: str) -> type[Adapter]:
    """The adapter class registered under ``key`` (a kind, or ``bitbucket-server``)."""
    try:
        dotted = ADAPTERS[key]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise ValueError(f"no adapter for forge kind {key!r}; known: {known}") from None
    module_name, _, class_name = dotted.rpartition(".")
    return getattr(import_module(module_name), class_name)


def get_adapter(
    kind: str, client: ForgeClient, web_url: str, api_url: str | None = None
) -> Adapter:
    """The adapter for a forge of ``kind`` at ``web_url`` (API at ``api_url`` or the default)."""
    api = api_url or default_api_url(kind, web_url)
    return adapter_class(adapter_kind(kind, api))(client, web_url, api)
