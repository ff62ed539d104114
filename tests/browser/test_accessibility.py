"""axe-core on every page type: no serious or critical violation.

French public sites must meet the RGAA, which follows WCAG 2.1 AA; axe finds the share
of it a machine can check (contrast, names of controls, landmarks, language, tables…).
axe runs inside the page as the visitor sees it (styles and scripts applied), with
the copy of axe-core that axe-playwright-python ships. Moderate and minor findings are
printed with a failure but do not fail the test by themselves.

A guard below lists every route of the site: a new HTML page fails it until it is
added to ``PAGES`` here (or to ``NOT_PAGES``, with the reason it needs no check).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.db.models import Count
from django.urls import URLPattern, URLResolver, get_resolver
from tests.contributions import pages as community_pages

from communs.harvest.models import HarvestRun, OwnerProgress
from communs.repositories.models import Repository
from communs.sources.models import Forge, Organisation

from .conftest import Site, require, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = require("playwright.sync_api").expect
Axe = require("axe_playwright_python.sync_playwright").Axe

# What makes a page fail: axe's two highest impacts.
BLOCKING = {"serious", "critical"}


def ministry_with_children() -> Organisation:
    return (
        Organisation.objects.filter(level=Organisation.Level.MINISTRY)
        .annotate(children_count=Count("children"))
        .filter(children_count__gt=0)
        .order_by("-children_count", "key")
        .first()
    )


def organisation_with_accounts() -> str:
    organisation = (
        Organisation.objects.filter(parent__isnull=False)
        .annotate(account_count=Count("accounts"))
        .filter(account_count__gt=0)
        .order_by("-account_count", "key")
        .first()
    )
    return organisation.get_absolute_url()


def harvested_forge() -> str:
    """A forge with a successful harvest, then a failed one with an owner it could not
    list: the fullest status page."""
    forge = Forge.objects.order_by("host").first()
    started = datetime(2026, 2, 27, 8, tzinfo=UTC)
    HarvestRun.objects.create(
        forge=forge,
        status="succeeded",
        started_at=started,
        finished_at=started + timedelta(minutes=2),
        new=12,
        updated=3,
        requests=9,
    )
    failed = HarvestRun.objects.create(
        forge=forge,
        status="failed",
        started_at=started + timedelta(days=1),
        finished_at=started + timedelta(days=1, minutes=1),
        error="HTTP 503 from the forge",
        requests=4,
        errors=1,
    )
    account = forge.accounts.order_by("path").first()
    OwnerProgress.objects.create(
        run=failed,
        owner=account.path if account else "gone-owner",
        step=OwnerProgress.Step.FAILED,
        reason="HTTP 404: the owner is no longer on the forge",
    )
    return f"/forges/{forge.host}/"


def forge_list_with_a_failure() -> str:
    harvested_forge()
    return "/forges/"


def catalogue_entry() -> str:
    from communs.catalogue.models import Instance, Moderation, Software

    software = Software.objects.create(
        name="LibreOffice",
        slug="libreoffice",
        licence="MPL-2.0",
        function="Bureautique",
        description_fr="Une **suite** bureautique.",
        moderation=Moderation.PUBLISHED,
    )
    Instance.objects.create(software=software, name="Bureau en ligne", url="https://example.org")
    return software.get_absolute_url()


# Community: events, newsletters, jobs
def community_page(kind: str) -> str:
    """The made-up events and offers of the demo, a gazette issue, signed links."""
    from communs.events.demo import load_demo_events
    from communs.jobs.demo import load_demo_jobs
    from communs.jobs.models import JobOffer
    from communs.newsletters.models import Issue, Subscriber
    from communs.newsletters.subscription import confirm_token, unsubscribe_token

    load_demo_events()
    load_demo_jobs()
    body = "## Nouvelles\n\nUn [lien](https://example.org) et une *liste* :\n\n- un\n- deux"
    issue, _created = Issue.objects.get_or_create(
        slug="bluehats-1",
        defaults={"number": 1, "title": "Gazette n°1", "published_on": datetime(2019, 4, 1).date(),
                  "body": body},
    )  # fmt: skip
    subscriber, _created = Subscriber.objects.get_or_create(email="lecteur@example.org")
    return {
        "event-detail": "/events/demo-sprint-accessibilite/",
        "issue-detail": issue.get_absolute_url(),
        "newsletter-confirm": f"/newsletters/confirm/{confirm_token(subscriber)}/",
        "newsletter-unsubscribe": f"/newsletters/unsubscribe/{unsubscribe_token(subscriber)}/",
        "job-detail": JobOffer.objects.order_by("pk").first().get_absolute_url(),
    }.get(kind, kind)


# Each page type, and how to reach one from the data the test loaded (``analysed``: the
# repositories the analysis read, with scores, dependencies and a publiccode.yml).
PAGES: dict[str, Callable[[list[Repository]], str]] = {
    "home": lambda analysed: "/",
    "repository-list": lambda analysed: "/repositories/",
    "repository-list, searched": lambda analysed: "/repositories/?q=site&sort=stars",
    "repository-list, page 2": lambda analysed: "/repositories/?page=2",
    "repository-detail": lambda analysed: analysed[0].get_absolute_url(),
    "repository-detail, not analysed": lambda analysed: (
        Repository.objects.exclude(pk__in=[r.pk for r in analysed])
        .order_by("pk")
        .first()
        .get_absolute_url()
    ),
    "organisation-list": lambda analysed: "/organisations/",
    "organisation-detail, ministry": lambda analysed: ministry_with_children().get_absolute_url(),
    "organisation-detail": lambda analysed: organisation_with_accounts(),
    "ministry-list": lambda analysed: "/ministries/",
    "ministry-detail": lambda analysed: f"/ministries/{ministry_with_children().key}/",
    "stats": lambda analysed: "/stats/",
    "dependency-list": lambda analysed: "/dependencies/",
    "dependency-detail": lambda analysed: "/dependencies/npm/@angular/core/",
    "forge-list": lambda analysed: forge_list_with_a_failure(),
    "forge-detail": lambda analysed: harvested_forge(),
    "open-data": lambda analysed: "/open-data/",
    "publiccode-validate": lambda analysed: "/publiccode/",
    "publiccode-new": lambda analysed: "/publiccode/new/",
    "api-docs": lambda analysed: "/api/docs",
    "list": lambda analysed: (catalogue_entry(), "/catalogue/?status=observation&sort=users")[1],
    "software": lambda analysed: catalogue_entry(),
    "instances": lambda analysed: (catalogue_entry(), "/catalogue/instances/")[1],
    "account_login": lambda analysed: "/accounts/login/",
    "account_signup": lambda analysed: "/accounts/signup/",
    "account_reset_password": lambda analysed: "/accounts/password/reset/",
    "account_reset_password_done": lambda analysed: "/accounts/password/reset/done/",
    "account_email_verification_sent": lambda analysed: "/accounts/confirm-email/",
    # Community: events, newsletters, jobs
    "event-list": lambda analysed: community_page("/events/"),
    "event-detail": lambda analysed: community_page("event-detail"),
    "issue-list": lambda analysed: community_page("/newsletters/"),
    "issue-detail": lambda analysed: community_page("issue-detail"),
    "newsletter-subscribe": lambda analysed: "/newsletters/subscribe/",
    "newsletter-confirm": lambda analysed: community_page("newsletter-confirm"),
    "newsletter-unsubscribe": lambda analysed: community_page("newsletter-unsubscribe"),
    "job-list": lambda analysed: community_page("/jobs/"),
    "job-detail": lambda analysed: community_page("job-detail"),
    # Community: directory, contributions, personal data
    "agent-list": lambda analysed: community_pages.agent_list(),
    "agent-detail": lambda analysed: community_pages.agent_detail(),
    "contributions-year": lambda analysed: community_pages.contributions_year(),
    "contributions-organisation": lambda analysed: community_pages.contributions_organisation(),
    "404": lambda analysed: "/no-such-page/",
}

# Routes that serve no HTML page of their own, and why.
NOT_PAGES = {
    "set_language": "a POST that redirects back (checked through every page's switch)",
    "api-openapi": "the OpenAPI document (JSON)",
    "api-publiccode-validate": "a JSON endpoint",
    "open-data-file": "downloads (CSV, JSON)",
    "feed-repositories": "an Atom feed",
    "feed-releases": "an Atom feed",
    "feed-organisation": "an Atom feed",
    "sitemap": "XML for crawlers",
    "sitemap-section": "XML for crawlers",
    "robots-txt": "text for crawlers",
    "export-json": "a download (catalogue.json)",
    "export-csv": "a download (catalogue.csv)",
    "feed-new": "an Atom feed",
    "feed-updated": "an Atom feed",
    "feed-new-category": "an Atom feed",
    "feed-updated-category": "an Atom feed",
    "candidate-propose": "a POST that creates a proposal and redirects",
    # Community: directory, contributions, personal data
    "contributions-latest": "redirects to the latest year's report",
    "personal-data-download": "a download (JSON), behind a sign-in",
    "account_inactive": "allauth's notice for a disabled account, reached only by signing in",
    "account_reauthenticate": "allauth's password check before a change, behind a sign-in",
    "account_request_reauthentication_code": "allauth's sign-in codes, turned off",
    "account_confirm_reauthentication_code": "allauth's sign-in codes, turned off",
    "account_confirm_login_code": "allauth's sign-in codes, turned off",
    "account_set_password": "allauth's password setting, behind a sign-in",
    "account_confirm_email": "allauth's verification link, a key sent by e-mail (tests/accounts)",
    "account_reset_password_from_key": "allauth's reset link, needs a key sent by e-mail",
    "account_reset_password_from_key_done": "allauth's notice after a reset, reached from a key",
    "socialaccount_login_cancelled": "allauth's notice: an OpenID Connect sign-in was cancelled",
    "socialaccount_login_error": "allauth's notice after an OpenID Connect sign-in fails",
    "socialaccount_signup": "allauth's form after an OpenID Connect sign-in, needs a provider",
    "": "allauth's unnamed legacy /accounts/social/ addresses, redirects",
    "openid_connect_login": "the OpenID Connect sign-in, only with a provider (tests/accounts)",
    "openid_connect_callback": "the provider's redirect back, not a page",
    "category-delete": "a moderator's POST that redirects",
    "referent-confirm": "a referent's yearly link, needs a signed token (tests/catalogue)",
    "publish": "a moderator's POST that redirects",
    "reject": "a moderator's POST that redirects",
    "follow-category": "a POST that redirects (tests/catalogue/test_alerts.py)",
    "unfollow-category": "a POST that redirects (tests/catalogue/test_alerts.py)",
    "alerts-unsubscribe": "an alert's stop link, needs a signed token (tests/catalogue)",
    # Catalogue: logos
    "logo-file": "an uploaded logo, re-encoded as PNG (tests/catalogue/test_logos.py)",
    # Community: events, newsletters, jobs
    "events-calendar": "an iCalendar file (tests/events)",
    "event-calendar": "an iCalendar file (tests/events)",
    "events-feed": "an Atom feed",
    "event-register": "an agent's POST that redirects (tests/events)",
    "event-cancel": "an agent's POST that redirects (tests/events)",
    "newsletters-feed": "an Atom feed",
    "jobs-feed": "an Atom feed",
    "job-propose": "an agent's form, behind a sign-in (tests/jobs)",
    "job-moderation": "moderators' queue of offers, behind a sign-in (tests/jobs)",
    "job-publish": "a moderator's POST that redirects",
    "job-reject": "a moderator's POST that redirects",
}


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.append(f"      {node['failureSummary']}".replace("\n", "\n      "))
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def check(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {page.url}:\n{describe(violations)}"


@pytest.mark.parametrize("kind", list(PAGES))
def test_no_serious_accessibility_violation(
    page: Page, analysed: list[Repository], kind: str
) -> None:
    path = PAGES[kind](analysed)
    response = page.goto(path)
    assert response is not None
    assert response.status == (404 if kind == "404" else 200), path
    if kind == "api-docs":
        # Swagger UI draws after load. Checked as a reader uses it: the first operation
        # open, and the first that takes a body open for "Try it out".
        first = page.locator("#swagger-ui .opblock").first
        expect(first).to_be_visible()
        posts = page.locator("#swagger-ui .opblock-post")
        for block in [first] + ([posts.first] if posts.count() else []):
            block.locator(".opblock-summary-control").click()
            block.locator("button.try-out__btn").click()
            expect(block.locator("button.execute")).to_be_visible()
    check(page)


def test_the_english_pages_pass_too(page: Page) -> None:
    """Longer or shorter words move things about; one English page is checked as well."""
    page.goto("/repositories/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check(page)


# Catalogue and accounts: pages behind a sign-in, each visited by a role that reaches it.
@dataclass
class SignedIn:
    """The people and the catalogue rows the signed-in pages show."""

    agent: Any
    moderator: Any
    software: Any
    category: Any
    referent: Any
    colleague: Any


def signed_in_world() -> SignedIn:
    """An agent who uses and is the referent of an entry, a moderator, a proposal waiting
    for moderation, a category, and audit entries for the log to show."""
    from tests.accounts.people import make_agent, make_person

    from communs.audit.log import record
    from communs.catalogue.models import Category, Moderation, Referent, Software, Usage

    agent = make_person("agent")
    moderator = make_person("moderator")
    software = Software.objects.create(
        name="Logiciel d'essai",
        slug="logiciel-essai",
        licence="MPL-2.0",
        function="Bureautique",
        description_fr="Une **suite** bureautique.",
        moderation=Moderation.PUBLISHED,
        packages=["pkg:npm/@angular/core"],
    )
    # Repositories depending on it, for the page's list of linked repositories.
    from communs.analysis.models import DeclaredDependency

    for repository in Repository.objects.order_by("-stars", "pk")[:3]:
        DeclaredDependency.objects.create(
            repository=repository, purl_type="npm", namespace="@angular", name="core"
        )
    Software.objects.create(name="Proposition", slug="proposition", proposed_by=agent)
    category = Category.objects.create(slug="essai", name_fr="Essai", name_en="Trial")
    software.categories.add(category)
    Usage.objects.create(software=software, agent=agent, use_case="Notes")
    referent = Referent.objects.create(software=software, agent=agent, is_expert=True)
    record(moderator, "software.edit", software, {"licence": {"before": "", "after": "MPL-2.0"}})
    record(agent, "usage.declare", software, {"use_case": {"before": None, "after": "Notes"}})
    return SignedIn(agent, moderator, software, category, referent, make_agent("camille"))


def _in_software(action: str) -> Callable[[SignedIn], str]:
    return lambda world: f"/catalogue/software/{world.software.slug}/{action}"


SIGNED_IN_PAGES: dict[str, tuple[str, Callable[[SignedIn], str]]] = {
    "mine": ("agent", lambda world: "/catalogue/mine/"),
    "propose": ("agent", lambda world: "/catalogue/propose/"),
    "declare-use": ("agent", _in_software("use/")),
    "become-referent": ("agent", _in_software("referent/")),
    "hand-over": ("agent", _in_software("referent/hand-over/")),
    "add-instance": ("agent", _in_software("instances/add/")),
    "contact": ("agent", _in_software("contact/")),
    "logo": ("agent", _in_software("logo/")),
    "software, signed in": ("agent", lambda world: world.software.get_absolute_url()),
    "software, as a moderator": ("moderator", lambda world: world.software.get_absolute_url()),
    "moderation": ("moderator", lambda world: "/catalogue/moderation/"),
    "audit-log": ("moderator", lambda world: "/catalogue/audit/"),
    "categories": ("moderator", lambda world: "/catalogue/categories/"),
    "category-edit": (
        "moderator",
        lambda world: f"/catalogue/categories/{world.category.slug}/edit/",
    ),
    "edit": ("moderator", _in_software("edit/")),
    "categorise": ("moderator", _in_software("categories/")),
    "dereference": ("moderator", _in_software("dereference/")),
    "candidates": ("moderator", lambda world: "/catalogue/candidates/"),
    "profile": ("agent", lambda world: "/accounts/profile/"),
    "account_email": ("agent", lambda world: "/accounts/email/"),
    "account_logout": ("agent", lambda world: "/accounts/logout/"),
    "account_change_password": ("agent", lambda world: "/accounts/password/change/"),
    "socialaccount_connections": ("agent", lambda world: "/accounts/3rdparty/"),
    # The link a colleague is e-mailed to take a referent's role over.
    "hand-over-accept": ("colleague", lambda world: hand_over_path(world)),
    # Community: directory, contributions, personal data
    "personal-data": ("agent", lambda world: "/accounts/personal-data/"),
    "account-delete": ("agent", lambda world: "/accounts/delete/"),
}


def hand_over_path(world: SignedIn) -> str:
    from communs.catalogue.lifecycle import hand_over_token

    return f"/catalogue/referents/hand-over/{hand_over_token(world.referent, world.colleague)}/"


@pytest.mark.parametrize("kind", list(SIGNED_IN_PAGES))
def test_no_serious_accessibility_violation_signed_in(
    page: Page, site: Site, settings: Any, kind: str
) -> None:
    settings.AGENT_DOMAINS = ["gouv.fr"]
    world = signed_in_world()
    role, path_of = SIGNED_IN_PAGES[kind]
    sign_in(page, site, getattr(world, role))
    path = path_of(world)
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    assert page.url.endswith(path), f"{path} sent the browser to {page.url}"
    check(page)


def routes(patterns: list, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.name or ""))
    return found


def test_every_page_type_is_checked() -> None:
    """A new page must join ``PAGES`` above; the admin and the JSON API are not pages."""
    names = {
        name
        for route, name in routes(get_resolver().url_patterns)
        if not route.startswith(("admin/", "api/v1/"))
    }
    checked = {kind.split(",")[0] for kind in [*PAGES, *SIGNED_IN_PAGES]} - {"404"}
    assert names - checked - set(NOT_PAGES) == set(), "pages no accessibility test visits"
    assert checked - names == set(), "PAGES names routes that no longer exist"
