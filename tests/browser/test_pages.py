"""The public pages in a real browser: search, filter, sort, paginate, switch language,
follow links, submit forms, with JavaScript and without.

Expected values come from the database the live server reads, never from the page
alone; assertions wait for the page (Playwright's ``expect``), never for a clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext, pgettext

from communs.repositories.models import Repository
from communs.sources.models import Forge, Organisation
from communs.web.queries import PER_PAGE

from .conftest import require

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = require("playwright.sync_api").expect

ROWS = "table.repositories tbody tr"


def number(text: str) -> int:
    """A count as a page writes it, with its thousands separators (any locale)."""
    digits = re.sub(r"\D", "", text)
    assert digits, f"no number in {text!r}"
    return int(digits)


def folded(text: str) -> str:
    """Lower case without accents, as the site compares names."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )


def in_language(language: str, text: str, context: str = "") -> str:
    with translation.override(language):
        return pgettext(context, text) if context else gettext(text)


def result_count(page: Page) -> int:
    return number(page.locator("p.result-count").inner_text())


def column(page: Page, position: int) -> list[str]:
    """The texts of one data column (1 is the first ``td``) of the repository table."""
    return page.locator(f"{ROWS} td:nth-of-type({position})").all_inner_texts()


def listed_paths(page: Page) -> list[str]:
    return page.locator(f"{ROWS} th a").all_inner_texts()


def visible_repositories():
    return Repository.objects.filter(gone_since__isnull=True)


def rare_word() -> tuple[str, Repository]:
    """A word of a repository's name found in few other names: a search that narrows."""
    words: Counter[str] = Counter()
    names = list(visible_repositories().order_by("pk"))
    for repository in names:
        words.update({w for w in re.split(r"[^a-z]+", repository.name.lower()) if len(w) >= 5})
    word = min(sorted(words), key=lambda w: words[w])
    holder = next(r for r in names if word in r.name.lower())
    return word, holder


def test_a_search_from_the_home_page_lists_the_matching_repositories(page: Page) -> None:
    word, holder = rare_word()
    total = visible_repositories().count()
    page.goto("/")
    page.get_by_role("searchbox", name=in_language("fr", "Search the repositories")).fill(
        word.upper()
    )
    page.get_by_role("button", name=in_language("fr", "Search"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/repositories/\?q=" + word.upper()))
    expect(page.locator("#q")).to_have_value(word.upper())
    expect(page.locator(f"{ROWS} th a", has_text=holder.full_path)).to_be_visible()
    assert 0 < result_count(page) < total


def test_a_facet_narrows_the_list_to_its_count(page: Page) -> None:
    page.goto("/repositories/")
    total = result_count(page)
    options = page.locator("#language option:not([value=''])")
    # A language with fewer repositories than a page, so every row can be checked.
    choices = [
        (value, number(text.rsplit("(", 1)[1]))
        for value, text in zip(
            options.evaluate_all("os => os.map(o => o.value)"),
            options.all_inner_texts(),
            strict=True,
        )
    ]
    language, count = next((v, c) for v, c in choices if 1 < c < PER_PAGE)
    assert count == visible_repositories().filter(language=language).count()

    # With JavaScript the list follows the choice at once, in place (htmx): a mark left
    # on the window survives only if the page was not loaded again.
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#language").select_option(language)

    expect(page).to_have_url(re.compile(r"[?&]language=" + re.escape(language)))
    expect(page.locator(ROWS)).to_have_count(count)
    assert result_count(page) == count < total
    assert set(column(page, 3)) == {language}
    expect(page.locator("#language")).to_have_value(language)
    assert page.evaluate("window.stillTheSamePage === true"), "the whole page was loaded again"
    # Screen readers hear the new count.
    expect(page.get_by_role("status")).to_contain_text(str(count))
    # Clearing the filters brings every repository back.
    page.get_by_role("link", name=in_language("fr", "Clear the filters")).click()
    expect(page).to_have_url(re.compile(r"/repositories/$"))
    expect(page.locator(ROWS)).to_have_count(PER_PAGE)
    assert result_count(page) == total


def test_sorting_by_stars_puts_the_most_starred_first(page: Page) -> None:
    page.goto("/repositories/")
    page.locator("#sort").select_option("stars")

    # The answer is in once the address says so (the old list has as many rows).
    expect(page).to_have_url(re.compile(r"[?&]sort=stars(&|$)"))
    expect(page.locator("#sort")).to_have_value("stars")
    most = visible_repositories().order_by("-stars", "-pk").first()
    expect(page.locator(f"{ROWS} th a").first).to_have_text(most.full_path)
    expect(page.locator(ROWS)).to_have_count(PER_PAGE)
    stars = [number(text) for text in column(page, 5)]
    assert stars == sorted(stars, reverse=True)
    assert stars[0] == most.stars


def test_pages_follow_one_another_without_overlap(page: Page) -> None:
    total = visible_repositories().count()
    last = -(-total // PER_PAGE)
    assert last >= 3, "the data set must fill three pages"
    page.goto("/repositories/?sort=name")
    first_page = listed_paths(page)
    navigation = page.get_by_role("navigation", name=in_language("fr", "Pages of repositories"))

    navigation.locator("a[rel=next]").click()
    expect(navigation.locator("a[aria-current=page]")).to_have_text(re.compile(r"\b2$"))
    second_page = listed_paths(page)
    assert len(second_page) == PER_PAGE
    assert not set(first_page) & set(second_page)
    # The sort is kept from page to page.
    expect(page.locator("#sort")).to_have_value("name")

    navigation.locator("a", has_text=re.compile(rf"\b{last}$")).click()
    expect(navigation.locator("a[aria-current=page]")).to_have_text(re.compile(rf"\b{last}$"))
    expect(page.locator(ROWS)).to_have_count(total - (last - 1) * PER_PAGE)
    expect(navigation.locator("a[rel=next]")).to_have_count(0)

    navigation.locator("a[rel=prev]").click()
    expect(navigation.locator("a[aria-current=page]")).to_have_text(re.compile(rf"\b{last - 1}$"))


def test_switching_language_translates_the_page_and_keeps_the_query(page: Page) -> None:
    french, english = in_language("fr", "Repositories"), in_language("en", "Repositories")
    assert french != english, "the French translation of the page is missing"
    page.goto("/repositories/?sort=stars&page=2")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text(french)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(english)
    expect(page).to_have_url(re.compile(r"/repositories/\?sort=stars&page=2$"))
    expect(page.locator("#sort")).to_have_value("stars")
    sort_label = page.locator("#sort option:checked")
    expect(sort_label).to_have_text(in_language("en", "Most stars", "sort"))

    # The choice is remembered from page to page, and can be undone.
    page.get_by_role("link", name=in_language("en", "Organisations"), exact=True).click()
    expect(page.locator("h1")).to_have_text(in_language("en", "Organisations"))
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text(in_language("fr", "Organisations"))


def test_a_repository_opens_from_the_list(page: Page) -> None:
    page.goto("/repositories/?sort=stars")
    link = page.locator(f"{ROWS} th a").first
    full_path = link.inner_text()
    link.click()

    expect(page).to_have_url(re.compile(r"/repositories/\d+/$"))
    pk = int(page.url.rstrip("/").rsplit("/", 1)[1])
    repository = Repository.objects.select_related("forge").get(pk=pk)
    assert repository.full_path == full_path
    expect(page.locator("h1")).to_contain_text(repository.name)
    expect(page.locator("h1")).to_contain_text(f"{repository.forge.host}/{repository.full_path}")
    expect(page).to_have_title(re.compile(re.escape(repository.full_path)))
    # The breadcrumb leads back to the list.
    page.get_by_role("navigation", name=in_language("fr", "You are here")).get_by_role(
        "link", name=in_language("fr", "Repositories")
    ).click()
    expect(page.locator("h1")).to_have_text(in_language("fr", "Repositories"))


def test_organisations_filter_by_name_and_open_with_their_parent(page: Page) -> None:
    organisation = (
        Organisation.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("name")
        .first()
    )
    word = max(re.findall(r"\w+", organisation.name), key=len)
    page.goto("/organisations/")
    total = result_count(page)
    assert total == Organisation.objects.count()
    page.get_by_role("searchbox", name=in_language("fr", "Name")).fill(word)
    page.get_by_role("button", name=in_language("fr", "Apply")).click()

    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(page.locator("#q")).to_have_value(word)
    names = page.locator("table.organisations tbody th a").all_inner_texts()
    assert organisation.name in names
    assert all(folded(word) in folded(name) for name in names)
    assert result_count(page) == len(names) < total

    page.get_by_role("link", name=organisation.name, exact=True).click()
    expect(page.locator("h1")).to_have_text(organisation.name)
    page.locator("main").get_by_role(
        "link", name=organisation.parent.name, exact=True
    ).first.click()
    expect(page.locator("h1")).to_have_text(organisation.parent.name)


def test_a_ministry_lists_its_sub_organisations(page: Page) -> None:
    ministry = (
        Organisation.objects.filter(level=Organisation.Level.MINISTRY)
        .annotate(children_count=Count("children"))
        .filter(children_count__gt=0)
        .order_by("name")
        .first()
    )
    page.goto(ministry.get_absolute_url())
    expect(page.locator("h1")).to_have_text(ministry.name)
    children = page.locator("section[aria-labelledby=children-title]")
    for child in ministry.children.order_by("name")[:5]:
        expect(children.get_by_role("link", name=child.name, exact=True)).to_be_visible()


def test_the_forge_status_page_lists_every_forge_and_opens_one(page: Page) -> None:
    hosts = sorted(Forge.objects.values_list("host", flat=True))
    page.goto("/forges/")
    table = page.locator("table.forges tbody")
    expect(table.locator("tr")).to_have_count(len(hosts))
    assert sorted(table.locator("th a").all_inner_texts()) == hosts

    table.get_by_role("link", name=hosts[0], exact=True).click()
    expect(page.locator("h1")).to_have_text(hosts[0])
    # Never harvested: the status says so rather than showing an empty table.
    expect(page.locator("main")).to_contain_text(in_language("fr", "Harvests"))


def test_the_api_documentation_loads_with_no_network(page: Page, visit) -> None:
    page.goto("/api/docs")
    listed = page.locator(".api-operations > ul > li")
    operations = listed.count()
    assert operations > 0
    # Swagger UI, served from this site's static files, draws one block per operation.
    expect(page.locator("#swagger-ui .opblock")).to_have_count(operations)
    assert visit.outside == []


def test_an_unknown_page_answers_404_with_ways_out(page: Page) -> None:
    response = page.goto("/repositories/999999999/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(in_language("fr", "Page not found"))
    page.get_by_role("link", name=in_language("fr", "Search the repositories")).click()
    expect(page.locator("h1")).to_have_text(in_language("fr", "Repositories"))


def test_filters_sorts_and_language_work_without_javascript(page_without_javascript: Page) -> None:
    page = page_without_javascript
    forge = Forge.objects.annotate(n=Count("repositories")).filter(n__gt=0).order_by("n").first()
    count = visible_repositories().filter(forge=forge).count()
    page.goto("/repositories/")
    page.locator("#forge").select_option(forge.host)
    page.locator("#sort").select_option("forks")
    page.get_by_role("button", name=in_language("fr", "Apply")).click()

    expect(page).to_have_url(re.compile(r"forge=" + re.escape(forge.host)))
    assert result_count(page) == count
    assert set(column(page, 2)) == {forge.host}
    forks = [number(text) for text in column(page, 6)]
    assert forks == sorted(forks, reverse=True)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#forge")).to_have_value(forge.host)


def test_a_package_search_leads_to_the_repositories_that_declare_it(
    page: Page, analysed: list[Repository]
) -> None:
    page.goto("/dependencies/")
    page.get_by_role("searchbox", name=in_language("fr", "Package name")).fill("EXPRESS")
    page.get_by_role("button", name=in_language("fr", "Filter")).click()

    expect(page).to_have_url(re.compile(r"[?&]q=EXPRESS"))
    packages = page.locator("table.dependencies tbody tr")
    expect(packages).to_have_count(1)
    expect(packages.locator("td.number")).to_have_text(str(len(analysed)))
    packages.get_by_role("link", name="express", exact=True).click()

    expect(page).to_have_url(re.compile(r"/dependencies/npm/express/$"))
    listed = page.locator("table.dependents tbody th a").all_inner_texts()
    assert sorted(listed) == sorted(f"{r.forge.host}/{r.full_path}" for r in analysed)
    page.get_by_role("link", name=listed[0], exact=True).click()
    expect(page.locator("h1")).to_contain_text(listed[0])


def test_the_publiccode_validator_reports_each_problem_of_a_pasted_file(page: Page) -> None:
    from communs.publiccode import validate

    from .conftest import PROJECT
    from .test_accessibility import check

    text = PROJECT["publiccode.yml"]
    report = validate(text)
    assert not report.valid
    page.goto("/publiccode/")
    paste = page.locator("form:has(input[name=source][value=paste])")
    paste.locator("textarea").fill(text)
    paste.get_by_role("button", name=in_language("fr", "Validate"), exact=True).click()

    verdict = page.locator("#report-title")
    expect(verdict).to_contain_text(in_language("fr", "This publiccode.yml is not valid"))
    results = page.locator("ol.results > li")
    expect(results).to_have_count(len(report.results))
    for shown, result in zip(results.all(), report.results, strict=True):
        if result.key:
            expect(shown.locator("code.result__key")).to_have_text(result.key)
    # What was pasted is kept, to be corrected and checked again.
    expect(page.locator("form:has(input[name=source][value=paste]) textarea")).to_have_value(text)
    # The report, with its errors beside their lines, is accessible too.
    check(page)
