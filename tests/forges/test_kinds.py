from __future__ import annotations

import pytest

from communs.forges.kinds import KINDS, default_api_url, default_web_url, guess_kind


@pytest.mark.parametrize(
    ("kind", "web", "api"),
    [
        ("github", "https://github.com", "https://api.github.com"),
        ("gitlab", "https://gitlab.com", "https://gitlab.com/api/v4"),
        ("gitlab", "http://127.0.0.1:8123/gitlab/", "http://127.0.0.1:8123/gitlab/api/v4"),
        ("gitea", "https://codeberg.org", "https://codeberg.org/api/v1"),
        ("forgejo", "https://forge.example.fr", "https://forge.example.fr/api/v1"),
        ("gogs", "https://gogs.univ-littoral.fr", "https://gogs.univ-littoral.fr/api/v1"),
        ("bitbucket", "https://bitbucket.org", "https://api.bitbucket.org/2.0"),
        ("github", "https://github.example.gouv.fr", "https://github.example.gouv.fr/api/v3"),
    ],
)
def test_it_knows_where_each_kind_of_api_lives(kind: str, web: str, api: str) -> None:
    assert default_api_url(kind, web) == api


def test_every_kind_has_a_default_api() -> None:
    for kind in KINDS:
        assert default_api_url(kind, "https://forge.example").startswith("https://forge.example")


def test_an_unknown_kind_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(ValueError, match="gitlab"):
        default_api_url("svn", "https://forge.example")


def test_the_web_url_defaults_to_https_on_the_host_key() -> None:
    assert default_web_url("gitlab.inria.fr") == "https://gitlab.inria.fr"
    assert default_web_url("127.0.0.1:8123/gitlab") == "https://127.0.0.1:8123/gitlab"


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("github.com", "github"),
        ("gitlab.inria.fr", "gitlab"),
        ("gricad-gitlab.univ-grenoble-alpes.fr", "gitlab"),
        ("gogs.univ-littoral.fr", "gogs"),
        ("codeberg.org", "forgejo"),
        ("git.sr.ht", "sourcehut"),
        ("forgemia.inra.fr", None),
    ],
)
def test_it_guesses_a_kind_only_when_the_name_says_it(host: str, kind: str | None) -> None:
    assert guess_kind(host) == kind
