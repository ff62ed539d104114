"""``communs events import``: the real BlueHats files, idempotence, bad files."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from communs.events.frontmatter import FrontMatterError, split, tidy_body
from communs.events.importer import import_events, read_events
from communs.events.models import Event, Kind

GOOD = """---
title: "Wébinaire : un logiciel"
date: 2024-11-08
description: Avec <a href="https://example.org" target="_blank">un lien</a>
video:
  src: https://tube.example.org/videos/embed/abc
  title: La vidéo
slides:
  src: Les diapositives
  title: https://speakerdeck.com/player/xyz
---

Intro.<br/>

<iframe title="Partie 2" src="https://tube.example.org/videos/embed/def" width="560"></iframe>

{% imageContent "./photo.jpg", "Une photo" %}

<img class="x" alt="Un logo" src="/img/logo.png" />

<script>alert(1)</script>
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_it_imports_the_real_webinars_and_meetings_once(shared: Path) -> None:
    directory = shared / "data" / "bluehats"
    webinars = len(list((directory / "webinaires").glob("*.md")))
    meetings = len(list((directory / "rencontres").glob("*.md")))

    first = import_events(directory)
    assert first.created == webinars + meetings
    assert Event.objects.filter(kind=Kind.WEBINAR).count() == webinars
    assert Event.objects.exclude(kind=Kind.WEBINAR).count() == meetings
    # Every webinar with a video block keeps it.
    aboutcode = Event.objects.get(slug="aboutcode")
    assert aboutcode.video_url == (
        "https://tube.numerique.gouv.fr/videos/embed/182f3feb-782b-4ffa-82fa-30b95b2baf65"
    )
    assert aboutcode.starts_at.date() <= datetime.date(2024, 11, 8)
    assert aboutcode.local_start().date() == datetime.date(2024, 11, 8)
    assert aboutcode.all_day
    # Videos embedded in a meeting's body are kept too.
    gitlab = Event.objects.get(slug="contribuer-a-gitlab-ce-2024")
    assert gitlab.video_url.startswith("https://tube.numerique.gouv.fr/videos/embed/")
    assert len([link for link in gitlab.links if link["kind"] == "video"]) == 2
    assert "<iframe" not in gitlab.description
    # The file with src and title swapped still gives its slides' address.
    brevets = Event.objects.get(slug="france-brevets")
    assert {
        "kind": "slides",
        "url": "https://speakerdeck.com/player/af2d6f777a824d5da548e32afcd7a862",
    } in brevets.links
    with_video = sum(
        1
        for path in (directory / "webinaires").glob("*.md")
        if "\nvideo:" in path.read_text(encoding="utf-8")
    )
    assert Event.objects.filter(kind=Kind.WEBINAR).exclude(video_url="").count() == with_video

    stamps = dict(Event.objects.values_list("pk", "updated_at"))
    second = import_events(directory)
    assert (second.created, second.updated, second.unchanged) == (0, 0, webinars + meetings)
    assert dict(Event.objects.values_list("pk", "updated_at")) == stamps


@pytest.mark.django_db
def test_it_reads_the_quirks_of_a_file(tmp_path: Path) -> None:
    write(tmp_path / "webinaires", "un-logiciel.md", GOOD)
    write(
        tmp_path / "rencontres",
        "sprint-2019.md",
        "---\ntitle: Sprint\ndate: 2019-11-19\n---\nLe sprint.\n",
    )
    report = import_events(tmp_path)
    assert report.created == 2
    event = Event.objects.get(slug="un-logiciel")
    assert event.summary == "Avec un lien"
    assert event.video_url == "https://tube.example.org/videos/embed/abc"
    assert event.links == [
        {"kind": "video", "url": "https://tube.example.org/videos/embed/def"},
        {"kind": "slides", "url": "https://speakerdeck.com/player/xyz"},
    ]
    assert "[Partie 2](https://tube.example.org/videos/embed/def)" in event.description
    assert "Une photo" in event.description and "Un logo" in event.description
    assert "<br" not in event.description and "imageContent" not in event.description
    assert Event.objects.get(slug="sprint-2019").kind == Kind.SPRINT


@pytest.mark.django_db
def test_a_changed_file_updates_its_event_and_leaves_hand_made_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "webinaires", "un-logiciel.md", GOOD)
    import_events(tmp_path)
    hand_made = Event.objects.create(
        slug="a-la-main",
        title="À la main",
        starts_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    )
    path.write_text(GOOD.replace("Wébinaire : un logiciel", "Nouveau titre"), encoding="utf-8")
    report = import_events(tmp_path)
    assert (report.created, report.updated) == (0, 1)
    assert Event.objects.get(slug="un-logiciel").title == "Nouveau titre"
    hand_made.refresh_from_db()
    assert hand_made.title == "À la main"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("title: x\n", "no front matter"),
        ("---\ntitle: x\ndate: 2024-01-01\n", "not closed"),
        ("---\ntitle: [x\ndate: 2024-01-01\n---\n", "not valid YAML"),
        ("---\n- a\n- b\n---\n", "not a mapping"),
        ("---\ndate: 2024-01-01\n---\n", "'title'"),
        ("---\ntitle: x\ndate: demain\n---\n", "'date'"),
        ("---\ntitle: x\ndate: 2024-01-01\nvideo:\n  src: pas une adresse\n---\n", "'video'"),
        ("---\ntitle: x\ntitle: y\ndate: 2024-01-01\n---\n", "not valid YAML"),
    ],
)
@pytest.mark.django_db
def test_a_bad_file_is_named_and_nothing_is_imported(
    tmp_path: Path, text: str, reason: str
) -> None:
    write(tmp_path / "webinaires", "a-good-one.md", GOOD)
    bad = write(tmp_path / "webinaires", "broken.md", text)
    with pytest.raises(FrontMatterError) as error:
        import_events(tmp_path)
    assert str(bad) in str(error.value)
    assert reason in str(error.value)
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_the_command_reports_a_bad_file_as_an_error(tmp_path: Path) -> None:
    write(tmp_path / "rencontres", "broken.md", "\ufeff---\ntitle: [\n---\n")
    with pytest.raises(CommandError, match=r"broken\.md: the front matter is not valid YAML"):
        call_command("events", "import", str(tmp_path))
    assert Event.objects.count() == 0


def test_a_folder_without_events_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FrontMatterError, match="no webinaires"):
        read_events(tmp_path)


def test_split_accepts_a_bom_and_crlf() -> None:
    meta, body = split("\ufeff---\r\ntitle: Été\r\n---\r\nCorps\r\n")
    assert meta == {"title": "Été"} and body == "Corps\n"


def test_tidy_body_leaves_markdown_autolinks_alone() -> None:
    tidy = tidy_body("Voir <https://example.org/a> et <a href='https://x.org'>X</a>.")
    assert tidy.text.strip() == "Voir <https://example.org/a> et [X](https://x.org)."
