"""Rows for the page, API and command tests, made through the ORM; and a forge served by
httpx's own transport behind the real ``SafeFetcher``, for fetching raw files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from communs.publiccode import remote
from communs.publiccode.network import SafeFetcher
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation

# A public address for every name the fake forge answers for: the fetcher checks it,
# then the transport answers without any network.
PUBLIC_ADDRESS = "93.184.216.34"


@pytest.fixture
def repository(db: None) -> Repository:
    organisation = Organisation.objects.create(
        key="direction-numerique",
        name="Direction du numérique",
        website="https://numerique.exemple.gouv.fr",
    )
    forge = Forge.objects.create(
        host="git.exemple.gouv.fr",
        kind="gitea",
        url="https://git.exemple.gouv.fr",
        api_url="https://git.exemple.gouv.fr/api/v1",
    )
    account = Account.objects.create(forge=forge, path="dinum", organisation=organisation)
    return Repository.objects.create(
        forge=forge,
        account=account,
        native_id="42",
        full_path="dinum/outil-donnees",
        name="outil-donnees",
        url="https://git.exemple.gouv.fr/dinum/outil-donnees",
        description="Un outil pour la gestion des données ouvertes des collectivités.",
        default_branch="main",
        license="EUPL-1.2",
        homepage="https://outil.exemple.gouv.fr",
        latest_release={"tag": "v2.1.0", "published_at": "2025-03-04T10:00:00Z"},
        created_at=datetime(2020, 1, 2, tzinfo=UTC),
    )


class Forge404:
    """Raw files by URL; every other address is a 404. Records what was asked."""

    def __init__(self, files: dict[str, httpx.Response]) -> None:
        self.files = files
        self.asked: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = f"{request.url.scheme}://{request.headers['host']}{request.url.raw_path.decode()}"
        self.asked.append(url)
        return self.files.get(url, httpx.Response(404, text="not found"))


@pytest.fixture
def serve_files(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Forge404]:
    """Makes the pages fetch from a fake forge, through the real SafeFetcher.

    ``addresses`` maps host names to addresses (public by default), so that a test can
    make a name resolve to a private address and see it refused.
    """

    def serve(
        files: dict[str, httpx.Response], addresses: dict[str, list[str]] | None = None
    ) -> Forge404:
        forge = Forge404(files)
        known = addresses or {}

        def resolver(host: str, port: int) -> list[str]:
            return known.get(host, [PUBLIC_ADDRESS])

        monkeypatch.setattr(
            remote,
            "open_fetcher",
            lambda: SafeFetcher(resolver=resolver, transport=httpx.MockTransport(forge.handler)),
        )
        return forge

    return serve
