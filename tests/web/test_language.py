"""French by default, English on request: Accept-Language, then the switch's cookie."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

PAGES = [
    ("home", {}, "Codes sources publics", "Public source code"),
    ("repository-list", {}, "Dépôts", "Repositories"),
    ("organisation-list", {}, "Organisations", "Organisations"),
]


@pytest.mark.parametrize(("name", "kwargs", "french", "english"), PAGES)
def test_it_follows_accept_language(
    client: Client, db: None, name: str, kwargs: dict, french: str, english: str
) -> None:
    url = reverse(name, kwargs=kwargs)
    english_page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en"' in english_page
    assert "Skip to main content" in english_page
    assert f"<title>{english}" in english_page
    french_page = Client().get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="fr"' in french_page
    assert "Aller au contenu principal" in french_page
    assert f"<title>{french}" in french_page


def test_it_speaks_french_when_the_browser_asks_for_nothing_known(client: Client, db: None) -> None:
    for header in ({}, {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}):
        html = client.get(reverse("home"), **header).content.decode()
        assert '<html lang="fr"' in html


def test_it_switches_language_with_a_form_that_needs_no_script(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("repository-list") + "?q=carte", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    form = html[html.index('<form class="language-switch"') :]
    form = form[: form.index("</form>")]
    assert 'action="/i18n/setlang/" method="post"' in form
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in form
    assert 'value="fr" lang="fr" aria-current="true">Français</button>' in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    next_url = re.search(r'name="next" value="([^"]+)"', form)
    assert token and next_url
    assert next_url.group(1) == "/repositories/?q=carte"

    response = client.post(
        reverse("set_language"),
        {"csrfmiddlewaretoken": token.group(1), "next": next_url.group(1), "language": "en"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/repositories/?q=carte"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The choice now wins over the browser's French.
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en"' in html
    assert 'value="en" lang="en" aria-current="true">English</button>' in html


def test_it_refuses_a_language_switch_without_its_token(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 403


def test_it_has_the_landmarks_and_the_skip_link(client: Client, db: None) -> None:
    html = client.get(reverse("home")).content.decode()
    assert html.index('class="skip-link" href="#main"') < html.index("<header")
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert 'aria-current="page">Accueil</a>' in html
