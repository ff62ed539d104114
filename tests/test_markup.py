"""Markdown written by people, shown on public pages: formatting kept, everything else not."""

from __future__ import annotations

import re
import tracemalloc

import pytest
from django.template import Context, Template
from django.utils import translation

from communs.markup import HIDDEN_EMAIL, MAX_SOURCE_CHARS, render_markdown, visible_text

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def tags_of(fragment: str) -> set[str]:
    return {name.lower() for name in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", fragment)}


def test_it_renders_commonmark_formatting() -> None:
    out = render_markdown("Un **outil** *libre*.\n\n- Linux\n- Windows\n\n`code`")
    assert "<strong>outil</strong>" in out
    assert "<em>libre</em>" in out
    assert "<ul>\n<li>Linux</li>\n<li>Windows</li>\n</ul>" in out
    assert "<code>code</code>" in out


def test_it_moves_headings_below_the_page_headings() -> None:
    out = render_markdown("# Un\n\n## Deux\n\n###### Six")
    assert "<h3>Un</h3>" in out and "<h4>Deux</h4>" in out and "<h6>Six</h6>" in out
    assert "<h1" not in out and "<h2" not in out


def test_a_whole_document_keeps_its_sections_but_never_takes_the_pages_h1() -> None:
    out = render_markdown("# Titre\n\n## Section\n\n### Sous", heading_shift=0)
    assert "<h2>Titre</h2>" in out and "<h2>Section</h2>" in out and "<h3>Sous</h3>" in out
    assert "<h1" not in out


def test_the_template_filter_takes_the_shift() -> None:
    from django.template import Context, Template

    template = Template("{% load markup %}{{ text|markdown:0 }}|{{ text|markdown }}")
    whole, described = template.render(Context({"text": "## Focus"})).split("|")
    assert whole == "<h2>Focus</h2>" and described == "<h4>Focus</h4>"


def test_it_keeps_http_links_with_a_safe_rel() -> None:
    out = render_markdown("[site](https://www.libreoffice.org/)")
    assert out == (
        '<p><a href="https://www.libreoffice.org/" rel="nofollow noopener noreferrer">site</a></p>'
    )


HOSTILE = {
    "script tag": "<script>alert(1)</script>",
    "script in a paragraph": "Hello <script src=https://evil.example/x.js></script>",
    "event attribute": '<img src="x" onerror="alert(1)">',
    "event attribute in a link tag": '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style tag": "<style>body{display:none}</style>",
    "svg": "<svg onload=alert(1)></svg>",
    "javascript link": "[click](javascript:alert(1))",
    "javascript link, mixed case and entity": "[click](JaVaScRiPt&#58;alert(1))",
    "javascript autolink": "<javascript:alert(1)>",
    "data link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript link": "[x](vbscript:msgbox)",
    "javascript image": "![x](javascript:alert(1))",
    "reference link": "[x][r]\n\n[r]: javascript:alert(1)",
    "html comment": "<!-- <script>alert(1)</script> -->",
    "form": '<form action="https://evil.example"><input name=a></form>',
    "attribute breakout": '[x](https://ok.example/" onmouseover="alert(1))',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_it_neutralises_hostile_input(name: str) -> None:
    out = render_markdown(HOSTILE[name])
    assert tags_of(out) <= {"p", "a", "br"}, out
    lowered = out.lower()
    assert "javascript:" not in re.sub(r"&[a-z]+;|&#\d+;", "", lowered) or "href" not in lowered
    for href in re.findall(r'href="([^"]*)"', out):
        assert href.startswith(("http://", "https://")), out
    # Whatever tags remain carry no event handler.
    assert not re.search(r"<[^>]*\son\w+\s*=", out), out


def test_raw_html_is_shown_as_text() -> None:
    out = render_markdown("<b>bold</b> <script>alert(1)</script>")
    assert "&lt;script&gt;" in out
    assert "<script" not in out and "<b>" not in out


def test_images_become_links_to_the_image() -> None:
    # A remote image would tell a third party who reads the page.
    out = render_markdown("![the logo](https://example.org/logo.png)")
    assert "<img" not in out
    assert '<a href="https://example.org/logo.png"' in out and ">the logo</a>" in out


def test_only_absolute_http_links_stay_links() -> None:
    out = render_markdown("[a](/relative) [b](ftp://example.org/f) [c](//example.org/x)")
    assert "<a" not in out
    assert visible_text(out) == "a b c"


@pytest.mark.parametrize(
    "source",
    [
        "Write to jane.doe@example.gouv.fr for help.",
        "<jane.doe@example.gouv.fr>",
        "[write to us](mailto:jane.doe@example.gouv.fr)",
        "[Jane](mailto:jane.doe@example.gouv.fr?subject=Hi)",
        "`jane.doe@example.gouv.fr`",
        "    jane.doe@example.gouv.fr\n",
        "jane.doe&#64;example.gouv.fr",
        "x *jane.doe@example*.gouv.fr",
        "[jane.doe@example](https://example.org/).gouv.fr",
        "[site](https://jane.doe@example.gouv.fr/)",
        # Percent-encoded or as an entity in the target, it is an address all the same.
        "[write](https://example.org/contact?to=jane.doe%40example.gouv.fr)",
        "[write](https://example.org/contact?to=jane.doe&#64;example.gouv.fr)",
        "![logo](https://example.org/l.png?by=jane.doe%40example.gouv.fr)",
        "| who |\n|---|\n| jane.doe@example.gouv.fr |",
    ],
)
def test_it_never_shows_an_email_address(source: str) -> None:
    out = render_markdown(source)
    assert not EMAIL.search(out), out
    assert not EMAIL.search(visible_text(out)), out
    assert "mailto" not in out
    assert "jane.doe" not in out


def test_an_address_in_text_is_replaced_by_a_note() -> None:
    out = render_markdown("Contact: jane.doe@example.gouv.fr.")
    assert out == f"<p>Contact: {HIDDEN_EMAIL}.</p>"


def test_a_mailto_link_keeps_its_text_without_the_link() -> None:
    out = render_markdown("[the team](mailto:team@example.org)")
    assert out == "<p>the team</p>"


def test_huge_input_is_cut_and_memory_stays_bounded() -> None:
    tracemalloc.start()
    out = render_markdown("word " * 2_000_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(visible_text(out)) <= MAX_SOURCE_CHARS
    # Ten megabytes of source; far less is held at once because it is cut first.
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize(
    "bomb",
    [
        "- " * 5000 + "deep",
        "".join("  " * i + "- level\n" for i in range(2000)),
        ">" * 20000 + " quoted",
        "*" * 10000 + "a" + "*" * 10000,
        "[" * 10000 + "x" + "](https://example.org)" * 100,
        "<" * 10000,
    ],
)
def test_nesting_bombs_are_flattened(bomb: str) -> None:
    out = render_markdown(bomb)
    # Nesting is capped by the parser: no more than a dozen open lists or quotes.
    depth = max(out.count("<ul>"), out.count("<blockquote>"))
    assert depth <= 12
    assert len(out) < 30 * MAX_SOURCE_CHARS


def test_nothing_renders_as_nothing() -> None:
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
    assert render_markdown("\x00") == "<p>\ufffd</p>"


def test_the_template_filter_marks_safe_html_and_translates_the_note() -> None:
    template = Template("{% load markup %}{{ text|markdown }}")
    with translation.override("fr"):
        out = template.render(Context({"text": "**Gras** <i>x</i> jane@example.org"}))
    assert "<strong>Gras</strong>" in out
    assert "&lt;i&gt;" in out
    assert "jane@example.org" not in out
    assert "[adresse électronique masquée]" in out
