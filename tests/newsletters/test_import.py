"""``communs newsletters import``: the real gazettes, idempotence, bad files."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from communs.events.frontmatter import FrontMatterError
from communs.newsletters.importer import import_issues, number_of
from communs.newsletters.models import Issue


@pytest.mark.django_db
def test_it_imports_the_real_gazettes_once(shared: Path) -> None:
    folder = shared / "data" / "bluehats" / "gazettes"
    files = len(list(folder.glob("*.md")))
    first = import_issues(folder)
    assert first.created == files == Issue.objects.count()
    one = Issue.objects.get(number=1)
    assert one.slug == "bluehats-1"
    assert one.published_on == datetime.date(2019, 4, 1)
    assert "GLPI" in one.body
    assert sorted(Issue.objects.values_list("number", flat=True)) == list(range(1, files + 1))
    # The bluehats folder itself works too, and a second run changes nothing.
    second = import_issues(folder.parent)
    assert (second.created, second.updated, second.unchanged) == (0, 0, files)


@pytest.mark.django_db
def test_the_archive_renders_the_markdown_safely(client, shared: Path) -> None:
    import_issues(shared / "data" / "bluehats" / "gazettes")
    page = client.get(Issue.objects.get(number=26).get_absolute_url()).content.decode()
    assert "<h2>📚 Les logiciels libres à la DINUM</h2>" in page  # its sections under the h1
    assert "&lt;blockquote&gt;" not in page and "<script" not in page.split("<main")[1]


@pytest.mark.django_db
def test_a_bad_file_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    (tmp_path / "bluehats_1.md").write_text("---\ntitle: n°1\ndate: 2020-01-01\n---\nA\n")
    (tmp_path / "bluehats_2.md").write_text("---\ntitle: n°2\ndate: 2020-13-01\n---\nB\n")
    with pytest.raises(
        FrontMatterError, match=r"bluehats_2\.md: the front matter is not valid YAML \(month"
    ):
        import_issues(tmp_path)
    with pytest.raises(CommandError, match=r"bluehats_2\.md"):
        call_command("newsletters", "import", str(tmp_path))
    assert Issue.objects.count() == 0


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FrontMatterError, match="no .md file"):
        import_issues(tmp_path)


def test_number_of_reads_the_title_then_the_file_name() -> None:
    assert number_of("Gazette BlueHats 🧢 n°12", "x") == 12
    assert number_of("Gazette", "bluehats_7") == 7
    assert number_of("Gazette", "gazette") is None
