"""The validator page and the draft page, through Django's test client."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from communs.publiccode import validate
from communs.publiccode.yamltree import MAX_BYTES
from communs.repositories.models import Repository

from .conftest import Forge404
from .test_validate import MINIMAL

PAGE = "/publiccode/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
INVALID = MINIMAL.replace("name: Medusa\n", "").replace("AGPL-3.0-or-later", "Nope-1.0")
OLD_VERSION = MINIMAL.replace('"0"', '"0.2"')


class Markup(HTMLParser):
    """Ids, labels and fields of a page, and the text of each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.labelled: set[str] = set()
        self.fields: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[attributes["id"] or ""] += 1
        if tag == "label" and attributes.get("for"):
            self.labelled.add(attributes["for"] or "")
        if tag in ("input", "textarea", "select") and attributes.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append(attributes)


def parse(html: str) -> Markup:
    markup = Markup()
    markup.feed(html)
    return markup


def post_paste(client: Client, text: str, **extra: str) -> tuple[int, str]:
    response = client.post(PAGE, {"source": "paste", "content": text, **extra}, **ENGLISH)
    return response.status_code, response.content.decode()


def assert_accessible(html: str) -> None:
    markup = parse(html)
    assert [name for name, count in markup.ids.items() if count > 1] == []
    for field in markup.fields:
        assert field.get("id") in markup.labelled, field


@pytest.mark.django_db
def test_the_page_offers_three_ways_in_with_labels() -> None:
    response = Client().get(PAGE, **ENGLISH)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="content"' in html and 'type="file"' in html and 'name="url"' in html
    assert html.count('enctype="multipart/form-data"') == 1
    assert_accessible(html)
    french = Client().get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr"' in french and 'name="content"' in french


@pytest.mark.django_db
def test_a_valid_file_is_said_valid() -> None:
    status, html = post_paste(Client(), MINIMAL)
    assert status == 200
    assert "This publiccode.yml is valid" in html
    assert "No error and no warning." in html
    # The text comes back, line by line, and in the form to edit it.
    lines = MINIMAL.count("\n")  # the last one ends with a line break, and none follows
    assert 'id="L1"' in html and f'id="L{lines}"' in html and f'id="L{lines + 1}"' not in html
    assert "Medusa</textarea>" not in html and "name: Medusa" in html


@pytest.mark.django_db
def test_each_result_links_to_its_line_and_each_marked_line_back() -> None:
    report = validate(INVALID)
    status, html = post_paste(Client(), INVALID)
    assert status == 200 and not report.valid
    assert "This publiccode.yml is not valid" in html
    for number, result in enumerate(report.results, 1):
        item = re.search(
            rf'<li id="result-{number}" class="result result--(\w+)">(.*?)</li>', html, re.S
        )
        assert item is not None and item.group(1) == result.level
        # The level is written out, not only coloured.
        assert "Error" in item.group(2)
        assert f'href="#L{result.line}"' in item.group(2)
        line = re.search(rf'<li id="L{result.line}" class="([^"]*)">(.*?)</li>', html, re.S)
        assert line is not None and "source__line--error" in line.group(1)
        assert f'href="#result-{number}"' in line.group(2)
    assert_accessible(html)


@pytest.mark.django_db
def test_warnings_are_told_apart_from_errors_in_words() -> None:
    status, html = post_paste(Client(), OLD_VERSION)
    assert status == 200 and "This publiccode.yml is valid" in html
    item = re.search(r'<li id="result-1" class="result result--warning">(.*?)</li>', html, re.S)
    assert item is not None and "Warning" in item.group(1) and "Error" not in item.group(1)
    assert "source__line--warning" in html


@pytest.mark.django_db
def test_an_empty_paste_gets_an_error_summary_linked_to_the_field() -> None:
    status, html = post_paste(Client(), "")
    assert status == 400
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#paste_content"' in html and 'id="paste_content"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_a_paste_over_the_bound_is_refused_with_a_message() -> None:
    status, html = post_paste(Client(), "a" * (MAX_BYTES + 1))
    assert status == 400 and "over 1024 KiB" in html


@pytest.mark.django_db
def test_a_body_past_djangos_bound_still_gets_the_page() -> None:
    # Past DATA_UPLOAD_MAX_MEMORY_SIZE Django refuses to read the form at all.
    status, html = post_paste(Client(), "a" * (3 * 1024 * 1024))
    assert status == 413 and "over 1024 KiB" in html and 'class="error-summary"' in html


@pytest.mark.django_db
def test_the_text_can_be_downloaded_as_a_file() -> None:
    response = Client().post(PAGE, {"source": "paste", "content": MINIMAL, "action": "download"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="publiccode.yml"'
    assert response.content.decode() == MINIMAL


@pytest.mark.django_db
def test_the_forms_need_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post(PAGE, {"source": "paste", "content": MINIMAL})
    assert refused.status_code == 403
    page = client.get(PAGE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    accepted = client.post(
        PAGE, {"source": "paste", "content": MINIMAL, "csrfmiddlewaretoken": token.group(1)}
    )
    assert accepted.status_code == 200


# -- uploads ---------------------------------------------------------------------------


def upload(client: Client, data: bytes, name: str = "publiccode.yml") -> tuple[int, str]:
    response = client.post(
        PAGE,
        {"source": "upload", "file": SimpleUploadedFile(name, data, "application/yaml")},
        **ENGLISH,
    )
    return response.status_code, response.content.decode()


@pytest.mark.django_db
def test_an_uploaded_file_is_validated() -> None:
    status, html = upload(Client(), INVALID.encode(), name="mine.yml")
    assert status == 200 and "This publiccode.yml is not valid" in html
    assert "Checked: mine.yml." in html


@pytest.mark.django_db
def test_an_upload_that_is_not_utf8_is_refused_clearly() -> None:
    status, html = upload(Client(), "name: café\n".encode("latin-1"))
    assert status == 400
    assert "not UTF-8 text (byte 10 cannot be read)" in html
    assert 'href="#upload_file"' in html


@pytest.mark.django_db
def test_a_huge_upload_is_dropped_and_refused() -> None:
    status, html = upload(Client(), b"a: b\n" * (2 * MAX_BYTES // 5))
    assert status == 413 and "over 1024 KiB" in html and 'href="#upload_file"' in html


@pytest.mark.django_db
def test_an_empty_or_missing_upload_is_refused() -> None:
    assert upload(Client(), b"")[0] == 400
    response = Client().post(PAGE, {"source": "upload"}, **ENGLISH)
    assert response.status_code == 400 and "Choose a file to upload." in response.content.decode()


# -- repositories ------------------------------------------------------------------------


def from_repository(client: Client, url: str) -> tuple[int, str]:
    response = client.post(PAGE, {"source": "url", "url": url}, **ENGLISH)
    return response.status_code, response.content.decode()


@pytest.mark.django_db
def test_a_repositorys_file_is_fetched_from_its_forge(serve_files: Callable[..., Forge404]) -> None:
    raw = "https://raw.githubusercontent.com/italia/medusa/HEAD/publiccode.yml"
    forge = serve_files({raw: httpx.Response(200, text=INVALID)})
    status, html = from_repository(Client(), "https://github.com/italia/medusa")
    assert forge.asked == [raw]
    assert status == 200 and "This publiccode.yml is not valid" in html
    assert f"Checked: {raw}." in html


@pytest.mark.django_db
def test_a_known_repository_is_read_from_its_default_branch(
    repository: Repository, serve_files: Callable[..., Forge404]
) -> None:
    raw = "https://git.exemple.gouv.fr/dinum/outil-donnees/raw/branch/main/publiccode.yml"
    forge = serve_files({raw: httpx.Response(200, text=MINIMAL)})
    status, html = from_repository(Client(), repository.url + ".git")
    assert forge.asked == [raw] and status == 200 and "This publiccode.yml is valid" in html


@pytest.mark.django_db
def test_a_repository_without_the_file_says_so(serve_files: Callable[..., Forge404]) -> None:
    forge = serve_files({})
    status, html = from_repository(Client(), "https://code.example.org/owner/name")
    assert status == 400 and "has no publiccode.yml" in html
    assert 1 < len(forge.asked) <= 3
    assert 'href="#url_url"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/owner/name",
        "http://[::1]/owner/name",
        "http://10.1.2.3/owner/name",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost/owner/name",
        "http://localhost:8000/owner/name",
    ],
)
def test_private_and_loopback_addresses_are_never_fetched(url: str) -> None:
    # The real SafeFetcher and resolver: these addresses need no network to refuse.
    status, html = from_repository(Client(), url)
    assert status == 400
    assert "private or local network" in html or "standard ports" in html
    assert "This publiccode.yml" not in html


@pytest.mark.django_db
def test_a_name_resolving_to_a_private_address_is_refused(
    serve_files: Callable[..., Forge404],
) -> None:
    forge = serve_files({}, addresses={"intranet.example.org": ["192.168.1.10"]})
    status, html = from_repository(Client(), "https://intranet.example.org/owner/name")
    assert status == 400 and "private or local network" in html and forge.asked == []


@pytest.mark.django_db
def test_a_redirect_towards_a_private_address_is_refused(
    serve_files: Callable[..., Forge404],
) -> None:
    raw = "https://raw.githubusercontent.com/owner/name/HEAD/publiccode.yml"
    forge = serve_files(
        {raw: httpx.Response(302, headers={"location": "http://internal.example/secret"})},
        addresses={"internal.example": ["10.0.0.5"]},
    )
    status, html = from_repository(Client(), "https://github.com/owner/name")
    assert status == 400 and "private or local network" in html
    assert forge.asked == [raw]


@pytest.mark.django_db
def test_a_fetched_file_that_is_not_utf8_or_too_big_is_refused(
    serve_files: Callable[..., Forge404],
) -> None:
    raw = "https://raw.githubusercontent.com/owner/{}/HEAD/publiccode.yml"
    serve_files(
        {
            raw.format("latin"): httpx.Response(200, content="é".encode("latin-1")),
            raw.format("huge"): httpx.Response(200, content=b"a" * (MAX_BYTES + 10)),
        }
    )
    status, html = from_repository(Client(), "https://github.com/owner/latin")
    assert status == 400 and "not UTF-8" in html
    status, html = from_repository(Client(), "https://github.com/owner/huge")
    assert status == 400 and "over 1024 KiB" in html


@pytest.mark.django_db
def test_a_malformed_address_is_refused_in_the_form() -> None:
    for url in ("", "not a url", "ftp://example.org/a/b", "https://u:p@example.org/a/b"):
        status, html = from_repository(Client(), url)
        assert status == 400 and 'class="error-summary"' in html, url


# -- the draft -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_draft_page_drafts_a_valid_file_for_a_repository(repository: Repository) -> None:
    response = Client().get(reverse("publiccode-new"), {"repository": repository.pk}, **ENGLISH)
    html = response.content.decode()
    assert response.status_code == 200
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert textarea is not None
    from html import unescape

    text = unescape(textarea.group(1)).lstrip("\n")
    assert validate(text).valid
    assert 'name: "outil-donnees"' in text and 'license: "EUPL-1.2"' in text
    assert 'uri: "https://numerique.exemple.gouv.fr"' in text
    assert 'releaseDate: "2025-03-04"' in text and "  fr:" in text
    assert "# TODO:" in text and "lines marked" in html
    assert f'action="{PAGE}"' in html
    assert_accessible(html)


@pytest.mark.django_db
def test_the_repository_page_links_to_its_draft(repository: Repository) -> None:
    html = Client().get(repository.get_absolute_url(), **ENGLISH).content.decode()
    assert f'href="/publiccode/new/?repository={repository.pk}"' in html


@pytest.mark.django_db
def test_a_draft_from_any_address() -> None:
    response = Client().get(
        reverse("publiccode-new"), {"url": "https://gitlab.com/group/outil"}, **ENGLISH
    )
    html = response.content.decode()
    assert response.status_code == 200 and "https://gitlab.com/group/outil" in html
    assert "LicenseRef-unknown" in html


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["abc", "999999", "99999999999999999999999", "-1"])
def test_an_unknown_repository_has_no_draft(key: str) -> None:
    assert Client().get(reverse("publiccode-new"), {"repository": key}).status_code == 404


@pytest.mark.django_db
def test_the_draft_page_asks_for_an_address_first() -> None:
    response = Client().get(reverse("publiccode-new"), **ENGLISH)
    assert response.status_code == 200 and "<textarea" not in response.content.decode()
    assert_accessible(response.content.decode())
    refused = Client().get(reverse("publiccode-new"), {"url": "file:///etc/passwd"}, **ENGLISH)
    assert refused.status_code == 400 and 'class="error-summary"' in refused.content.decode()


@pytest.mark.django_db
def test_the_draft_page_shows_no_email_address(repository: Repository) -> None:
    repository.description = "Écrire à jeanne.martin@exemple.gouv.fr pour contribuer."
    repository.save()
    response = Client().get(reverse("publiccode-new"), {"repository": repository.pk}, **ENGLISH)
    html = response.content.decode()
    assert response.status_code == 200
    assert "jeanne.martin" not in html and "[e-mail address hidden]" in html
