"""Markdown to Telegram HTML: escaping, each construct, nesting, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.content.errors import RenderError
from domain.content.render import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    entity_count,
    escape,
    render_markdown,
    render_tip,
    telegram_length,
)
from tests.content.factories import make_text, make_tip, make_topic
from tests.content.telegram_html import telegram_html_problems


def render(markdown: str) -> str:
    html = render_markdown(markdown)
    assert telegram_html_problems(html) == []
    return html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("plain", "plain"),
        ("**bold** and __bold__", "<b>bold</b> and <b>bold</b>"),
        ("*it* and _it_", "<i>it</i> and <i>it</i>"),
        ("***both***", "<i><b>both</b></i>"),
        ("`x < y`", "<code>x &lt; y</code>"),
        ("[NHS](https://www.nhs.uk)", '<a href="https://www.nhs.uk">NHS</a>'),
        ("<https://a.org>", '<a href="https://a.org">https://a.org</a>'),
        ("[mail](mailto:a@b.org)", '<a href="mailto:a@b.org">mail</a>'),
        ("[bot](tg://resolve?domain=x)", '<a href="tg://resolve?domain=x">bot</a>'),
        ("# Heading", "<b>Heading</b>"),
        ("## Sub *it*", "<b>Sub <i>it</i></b>"),
        ("# A **bold** word", "<b>A bold word</b>"),
        ("> quoted", "<blockquote>quoted</blockquote>"),
        ("```\ncode <b>\n```", "<pre>code &lt;b&gt;</pre>"),
        ("    indented code", "<pre>indented code</pre>"),
        ("one\ntwo", "one\ntwo"),
        ("one\\\ntwo", "one\ntwo"),
        ("one  \ntwo", "one\ntwo"),
        ("para one\n\npara two", "para one\n\npara two"),
        ("- a\n- b", "• a\n• b"),
        ("1. a\n2. b", "1. a\n2. b"),
        ("3. c\n4. d", "3. c\n4. d"),
        ("- a\n  - b\n    - c", "• a\n  • b\n    • c"),
        ("1. a\n   - b", "1. a\n   • b"),
        ("- **bold** item", "• <b>bold</b> item"),
        ("---", "———"),
        ("text <!-- a note --> more", "text  more"),
        ("<!-- a note -->\n\ntext", "text"),
    ],
)
def test_constructs(markdown: str, html: str) -> None:
    assert render(markdown) == html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("a & b", "a &amp; b"),
        ("a < b > c", "a &lt; b &gt; c"),
        ('say "hi"', "say &quot;hi&quot;"),
        ("&amp; &lt;", "&amp; &lt;"),  # Markdown entities are decoded, then escaped again
        ("&copy;", "©"),
        ("\\*not italic\\*", "*not italic*"),
        ("it's", "it's"),
    ],
)
def test_escaping(markdown: str, html: str) -> None:
    assert render(markdown) == html


def test_link_href_is_escaped() -> None:
    html = render('[x](https://a.org/?q="1"&r=<2>)')
    assert html == '<a href="https://a.org/?q=%221%22&amp;r=%3C2%3E">x</a>'


def test_link_with_quote_in_title_text() -> None:
    assert render('[say "x"](https://a.org)') == '<a href="https://a.org">say &quot;x&quot;</a>'


def test_empty_link_text_shows_the_address() -> None:
    assert render("[](https://a.org)") == '<a href="https://a.org">https://a.org</a>'


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        # Telegram forbids code inside bold, italic or links: it becomes plain text there.
        ("**a `b` c**", "<b>a b c</b>"),
        ("[`code`](https://a.org)", '<a href="https://a.org">code</a>'),
        ("**[link](https://a.org)**", '<b><a href="https://a.org">link</a></b>'),
        ("*[**x**](https://a.org)*", '<i><a href="https://a.org"><b>x</b></a></i>'),
        # Blockquotes cannot nest; code blocks inside them are plain.
        ("> a\n> > b", "<blockquote>a\n\nb</blockquote>"),
        ("> ```\n> x\n> ```", "<blockquote>x</blockquote>"),
        ("> - a\n> - b", "<blockquote>• a\n• b</blockquote>"),
        ("- > q", "• <blockquote>q</blockquote>"),
        ("- ```\n  x\n  ```", "• <pre>x</pre>"),
    ],
)
def test_nesting_follows_telegram_rules(markdown: str, html: str) -> None:
    assert render(markdown) == html


@pytest.mark.parametrize(
    ("markdown", "phrase", "line"),
    [
        ("ok\n\n<b>bold</b>", "raw HTML", 2),
        ("<div>\nblock\n</div>", "raw HTML", 0),
        ("text\n\n![alt](pic.png)", "images inside the text", 2),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "tables are not supported", 0),
        ("[x](ftp://a.org)", "not allowed", 0),
        ("[x](relative/page)", "not allowed", 0),
        ("[x](https://)", "no web address", 0),
        ("", "empty", None),
        ("   \n\n", "empty", None),
        ("<!-- only a note -->", "empty", None),
    ],
)
def test_refused_markdown(markdown: str, phrase: str, line: int | None) -> None:
    with pytest.raises(RenderError) as caught:
        render_markdown(markdown)
    assert phrase in caught.value.message
    assert caught.value.line == line


def test_javascript_links_never_become_links() -> None:
    # markdown-it refuses the target, so the brackets stay text
    html = render("[x](javascript:alert(1))")
    assert "<a" not in html


def test_escape_covers_the_four_characters() -> None:
    assert escape("&<>\"'") == "&amp;&lt;&gt;&quot;'"


def test_length_counts_utf16_units_after_entities() -> None:
    assert telegram_length("<b>a</b> &amp; 😀") == len("a & ") + 2
    assert telegram_length("  x  ") == 1


def test_limit_counts_emoji_twice() -> None:
    emoji = "😀" * 2048  # 4096 UTF-16 units: exactly at the limit
    assert render_markdown(emoji) == emoji
    with pytest.raises(RenderError, match="4098 characters"):
        render_markdown(emoji + "😀")
    with pytest.raises(RenderError, match="the limit is 10"):
        render_markdown("12345678901", limit=10)


def test_entities_are_counted() -> None:
    assert entity_count(render("**a** *b* [c](https://x.org)")) == 3


class TestRenderTip:
    def test_layout(self) -> None:
        rendered = render_tip(make_tip("Drink **water**."), make_topic(), "en")
        assert rendered.html == (
            "🩺 <b>Stay hydrated</b>\n\nDrink <b>water</b>.\n\n"
            '<i>Sources: <a href="https://www.nhs.uk/">NHS</a></i>'
        )
        assert telegram_html_problems(rendered.html) == []
        assert rendered.text_length == telegram_length(rendered.html)
        assert rendered.language == "en"
        assert not rendered.link_preview
        assert rendered.image is None

    def test_sources_are_joined_and_label_is_passed_in(self) -> None:
        tip = make_tip()
        texts = {"en": make_text(sources=(*tip.sources, tip.sources[0]))}
        rendered = render_tip(
            make_tip(texts=texts), make_topic(), "en", sources_label='Quellen & "Belege"'
        )
        assert rendered.html.endswith(
            '<i>Quellen &amp; &quot;Belege&quot;: <a href="https://www.nhs.uk/">NHS</a>'
            ' · <a href="https://www.nhs.uk/">NHS</a></i>'
        )

    def test_no_sources_no_sources_line(self) -> None:
        tip = make_tip(texts={"en": make_text(sources=())})
        assert "<i>" not in render_tip(tip, make_topic(), "en").html

    def test_title_is_escaped(self) -> None:
        tip = make_tip(texts={"en": make_text(title="Fish & <chips>")})
        assert "<b>Fish &amp; &lt;chips&gt;</b>" in render_tip(tip, make_topic(), "en").html

    def test_translation_and_fallback(self) -> None:
        welsh = make_text("Yfwch **ddŵr**.", language="cy", title="Yfwch ddŵr")
        tip = make_tip("Drink water.", welsh)
        rendered = render_tip(tip, make_topic(), "cy")
        assert rendered.language == "cy"
        assert rendered.html.startswith("🩺 <b>Yfwch ddŵr</b>\n\nYfwch <b>ddŵr</b>.")
        assert "Ffynonellau:" in rendered.html
        assert render_tip(tip, make_topic(), "pl").language == "en"

    def test_text_limit(self) -> None:
        overhead = telegram_length(render_tip(make_tip("x"), make_topic(), "en").html) - 1
        fits = "x" * (TEXT_LIMIT - overhead)
        assert render_tip(make_tip(fits), make_topic(), "en").text_length == TEXT_LIMIT
        with pytest.raises(RenderError, match="Telegram allows 4096 for a message"):
            render_tip(make_tip(fits + "x"), make_topic(), "en")

    def test_caption_limit_with_image(self) -> None:
        image = Path("images/star.png")
        overhead = telegram_length(render_tip(make_tip("x"), make_topic(), "en").html) - 1
        fits = "😀" * ((CAPTION_LIMIT - overhead) // 2)
        rendered = render_tip(make_tip(fits, image=image), make_topic(), "en")
        assert rendered.image == image
        assert rendered.limit == CAPTION_LIMIT
        with pytest.raises(RenderError, match="1024 for a photo caption"):
            render_tip(make_tip(fits + "😀😀", image=image), make_topic(), "en")
