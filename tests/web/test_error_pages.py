from __future__ import annotations

from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error


def test_it_answers_404_in_the_sites_layout(client: Client, db: None) -> None:
    response = client.get("/pas-une-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="skip-link"' in html
    assert 'href="/repositories/"' in html
    french = Client().get("/pas-une-page/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Page introuvable</h1>" in french


def test_it_answers_500_in_the_sites_layout_without_a_request_context() -> None:
    # Django renders 500.html with no context at all: nothing in it may need a request.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert 'class="skip-link"' in html
    assert "language-switch" not in html
    with translation.override("en"):
        assert "<h1>Server error</h1>" in render_to_string("500.html")
    with translation.override("fr"):
        assert "<h1>Erreur du serveur</h1>" in render_to_string("500.html")
