"""A live site in a real browser: Django's live server over generated data, and Chromium.

The browser is Debian's Chromium (``/usr/bin/chromium``), driven by Playwright, which
never downloads a browser of its own here. On a user's clone without Chromium or without
Playwright the browser tests skip and say why; on CI (``CI=true``) they fail instead, so
that a missing browser never passes for green tests.

One browser serves the whole folder; each test gets a fresh browser context (no cookies,
French as a first visitor's browser asks) and freshly loaded data. The live server
answers from other threads, so what it reads must be committed first: pytest-django's
``live_server`` runs each test with ``transactional_db`` (real commits, tables emptied
after the test), and the data go through the demo loader, as ``communs demo`` stores them.
"""

from __future__ import annotations

import importlib
import io
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection

from communs.demo.generator import DemoData, generate
from communs.demo.management.commands.demo import load_demo
from communs.emulator.content import MIT_TEXT
from communs.search.backends import current_backend
from communs.search.documents import ORGANISATION, REPOSITORY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

    from communs.repositories.models import Repository

CHROMIUM = Path("/usr/bin/chromium")
# Every date of the generated data lies before this moment: fixed, so that runs agree.
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _unavailable(reason: str) -> NoReturn:
    """Skip on a user's clone; fail on CI, where the browser tests must run."""
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI is set: the browser tests must run there)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require(module: str) -> ModuleType:
    """A module the browser tests need (Playwright, axe), imported, or a skip saying so."""
    try:
        return importlib.import_module(module)
    except ImportError:
        _unavailable(f"{module} is not installed: pip install -r requirements-dev.txt")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    sync_api = require("playwright.sync_api")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium is missing at {CHROMIUM}: apt-get install chromium")
    # A hang guard, not a timing: assertions wait for the page up to this long, which a
    # busy machine (two cores, other suites running) needs for Swagger UI's bundle.
    sync_api.expect.set_options(timeout=20_000)
    # Playwright's synchronous API leaves its event loop marked as running in this thread
    # between calls, and Django's guard then refuses the ORM calls the fixtures make (load
    # the data, empty the tables). No coroutine runs Django code here, so the guard is
    # lifted, for the browser tests only: this fixture lives as long as their folder.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def demo_data() -> DemoData:
    """A small made-up public sector: enough repositories for three pages of results."""
    return generate(organisations=24, repositories=130, seed=7, now=NOW)


@dataclass
class Site:
    """The live server's address and the data it serves."""

    url: str
    data: DemoData


@pytest.fixture
def site(browser: Browser, live_server: Any, demo_data: DemoData, tmp_path: Path) -> Iterator[Site]:
    """The live server, once the generated data are stored and committed."""
    load_demo(demo_data, tmp_path)
    # Figures are cached: each test must see the rows it loaded, not an earlier test's.
    cache.clear()
    yield Site(url=live_server.url, data=demo_data)
    # The flush after the test empties the models' tables, not the words the search
    # keeps beside them (an FTS5 table on SQLite, a word list on PostgreSQL): emptied
    # here, so that no later test finds this test's words.
    backend = current_backend()
    with connection.cursor() as cursor:
        for kind in (REPOSITORY, ORGANISATION):
            backend.clear(cursor, kind)
    cache.clear()


MIT = MIT_TEXT.format(year=2024, holder="Direction interministérielle du numérique")

# A small project as a forge's archive holds it: licence, guides, manifests, a
# publiccode.yml with a mistake, code in two languages.
PROJECT = {
    "LICENSE": MIT,
    "README.md": "# Démarches\n\nSuivi des démarches en ligne.\n",
    "CONTRIBUTING.md": "# Contribuer\n\nOuvrez une demande de fusion.\n",
    "package.json": '{"name": "demarches", "dependencies": {"express": "^4.18.0",'
    ' "@angular/core": "^17.0.0"}, "devDependencies": {"jest": "^29.0.0"}}',
    "requirements.txt": "django==5.2\nrequests>=2.31\n",
    "publiccode.yml": "publiccodeYmlVersion: '0.4'\nname: Démarches\nurl: not a url\n",
    "src/app.py": "def main() -> None:\n    print('démarches')\n" * 20,
    "web/index.js": "export function start() { return 1; }\n" * 20,
}


@pytest.fixture(scope="package")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The analysis of ``PROJECT``, made once by the real pure core (no database)."""
    from communs.analysis.examine import examine_archive

    folder = tmp_path_factory.mktemp("project")
    archive = folder / "project.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, text in PROJECT.items():
            data = text.encode()
            member = tarfile.TarInfo(f"demarches-main/{name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    fields = {"license": "MIT", "description": "Suivi des démarches", "forks": 2}
    return examine_archive(archive, folder / "work", fields=fields, now=NOW)


@pytest.fixture
def analysed(site: Site, verdict: Any) -> list[Repository]:
    """Three repositories analysed as ``PROJECT``: dependencies, scores, publiccode.yml."""
    from communs.analysis.pipeline import store_verdict
    from communs.repositories.models import Repository
    from communs.search.indexing import index_repositories

    chosen = list(
        Repository.objects.filter(gone_since__isnull=True)
        .exclude(description="")
        .order_by("-stars", "pk")[:3]
    )
    for repository in chosen:
        store_verdict(repository, verdict)
    index_repositories([r.pk for r in chosen])
    cache.clear()
    return chosen


@dataclass
class Visit:
    """What a page did besides rendering: scripts that failed, requests sent elsewhere."""

    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture
def visit() -> Visit:
    return Visit()


def open_page(browser: Browser, site: Site, visit: Visit, **options: Any) -> Iterator[Page]:
    """A page in a fresh context; no request may leave the site, and no script may fail."""
    context = browser.new_context(locale="fr-FR", base_url=site.url, **options)
    own_host = urlsplit(site.url).netloc

    def keep_home(route: Route) -> None:
        # The site must work with no network: anything fetched from elsewhere is refused
        # and recorded, so that a page that would need it fails here.
        url = route.request.url
        if urlsplit(url).netloc == own_host or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            visit.outside.append(url)
            route.abort()

    context.route("**/*", keep_home)
    page = context.new_page()
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    yield page
    context.close()
    assert visit.outside == [], "requests left the site"
    assert visit.errors == [], "scripts failed on the page"


@pytest.fixture
def page(browser: Browser, site: Site, visit: Visit) -> Iterator[Page]:
    """A page with JavaScript, as most visitors have it."""
    yield from open_page(browser, site, visit)


@pytest.fixture
def page_without_javascript(browser: Browser, site: Site, visit: Visit) -> Iterator[Page]:
    """A page with JavaScript off: every page must still work."""
    yield from open_page(browser, site, visit, java_script_enabled=False)


# Catalogue and accounts: pages behind a sign-in.
def sign_in(page: Page, site: Site, user: Any) -> None:
    """Sign ``user`` in for ``page``'s browser context, without the sign-in form: a
    session made by Django's test client, handed to the browser as its cookie."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site.url}])
