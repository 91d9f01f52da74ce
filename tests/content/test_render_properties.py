"""Property tests: any Markdown either renders to HTML Telegram accepts, or is refused clearly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.content.errors import RenderError
from domain.content.model import Source
from domain.content.render import TEXT_LIMIT, render_markdown, render_tip
from tests.content.factories import make_text, make_tip, make_topic
from tests.content.telegram_html import telegram_html_problems, utf16_units, visible_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that mean something to Markdown, HTML or Telegram, plus emoji and other scripts.
TRICKY = "*_`[]()<>&\"'!#-+.|\\~=:/ \n\t\u00a0é€😀👍🏽ذرائع"
words = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), min_size=1, max_size=12)
urls = st.sampled_from(
    [
        "https://www.nhs.uk/",
        'http://a.org/?q=1&r="2"',
        "mailto:a@b.org",
        "tg://resolve?domain=x",
        "ftp://x.org",
        "relative",
        "javascript:alert(1)",
        "https://",
        "<https://x.org>",
    ]
)


def inline() -> st.SearchStrategy[str]:
    return st.recursive(
        words,
        lambda inner: st.one_of(
            inner.map(lambda s: f"**{s}**"),
            inner.map(lambda s: f"*{s}*"),
            inner.map(lambda s: f"_{s}_"),
            words.map(lambda s: f"`{s}`"),
            st.tuples(inner, urls).map(lambda p: f"[{p[0]}]({p[1]})"),
            urls.map(lambda u: f"<{u}>"),
            st.sampled_from(["<b>x</b>", "<!-- note -->", "![alt](a.png)", "&amp;", "&nbsp;"]),
            st.lists(inner, min_size=2, max_size=4).map(" ".join),
            st.lists(inner, min_size=2, max_size=3).map("\n".join),
        ),
        max_leaves=8,
    )


def block() -> st.SearchStrategy[str]:
    line = inline()
    simple = st.one_of(
        line,
        st.tuples(st.integers(1, 6), line).map(lambda p: "#" * p[0] + " " + p[1]),
        st.lists(line, min_size=1, max_size=4).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
        st.lists(line, min_size=1, max_size=4).map(
            lambda xs: "\n".join(f"{i}. {x}" for i, x in enumerate(xs, 1))
        ),
        words.map(lambda s: f"```\n{s}\n```"),
        st.just("| a | b |\n|---|---|\n| 1 | 2 |"),
        st.just("---"),
    )
    return st.recursive(
        simple,
        lambda inner: st.one_of(
            inner.map(lambda s: "\n".join("> " + x for x in s.split("\n"))),
            inner.map(lambda s: "- " + s.replace("\n", "\n  ")),
            inner.map(lambda s: "1. " + s.replace("\n", "\n   ")),
        ),
        max_leaves=4,
    )


documents = st.lists(block(), min_size=1, max_size=5).map("\n\n".join)


def outcome(markdown: str, limit: int) -> str | RenderError:
    try:
        return render_markdown(markdown, limit=limit)
    except RenderError as exc:
        return exc


def check(markdown: str, limit: int = TEXT_LIMIT) -> None:
    html = outcome(markdown, limit)
    if isinstance(html, RenderError):
        assert html.message.strip()
        return
    assert telegram_html_problems(html) == [], html
    text = visible_text(html)
    assert text
    assert utf16_units(text) <= limit


@SETTINGS
@given(st.text())
def test_any_text_renders_validly_or_is_refused(markdown: str) -> None:
    check(markdown)


@SETTINGS
@given(documents)
def test_composed_markdown_renders_validly_or_is_refused(markdown: str) -> None:
    check(markdown)


@SETTINGS
@given(documents, st.integers(1, 200))
def test_short_limits_are_enforced(markdown: str, limit: int) -> None:
    check(markdown, limit)


@SETTINGS
@given(title=st.text(min_size=1, max_size=80), source=st.text(min_size=1, max_size=40))
def test_any_title_and_source_title_make_a_valid_message(title: str, source: str) -> None:
    text = make_text(title=title, sources=(Source(source, 'https://a.org/?x="1"&y'),))
    rendered = render_tip(make_tip(texts={"en": text}), make_topic(), "en")
    assert telegram_html_problems(rendered.html) == []
    assert rendered.text_length == utf16_units(visible_text(rendered.html))
