"""The test-side checker itself catches what Telegram refuses."""

from __future__ import annotations

import pytest

from tests.content.telegram_html import telegram_html_problems, utf16_units, visible_text


@pytest.mark.parametrize(
    "html",
    [
        "plain text",
        "<b>bold</b> &amp; &lt;tag&gt; &quot;q&quot; &#128512;",
        '<a href="https://x.org/?a=1&amp;b=2">link</a>',
        '<pre><code class="language-python">x = 1</code></pre>',
        "<blockquote><b>quoted</b></blockquote>",
        "<i><b>both</b></i>",
    ],
)
def test_accepts_valid_html(html: str) -> None:
    assert telegram_html_problems(html) == []


@pytest.mark.parametrize(
    "html",
    [
        "<p>paragraph</p>",
        "a & b",
        "a < b",
        "a > b",
        "&nbsp;",
        "<b>open",
        "<b><i>crossed</b></i>",
        '<a href="x" title="t">x</a>',
        "<br/>",
        "<b><code>x</code></b>",
        "<code><b>x</b></code>",
        '<a href="https://a"><a href="https://b">x</a></a>',
        "<blockquote><blockquote>x</blockquote></blockquote>",
        "<!-- c -->",
    ],
)
def test_refuses_invalid_html(html: str) -> None:
    assert telegram_html_problems(html)


def test_visible_text_and_utf16_units() -> None:
    assert visible_text(" <b>a</b> &amp; 😀 ") == "a & 😀"
    assert utf16_units("a😀") == 3
