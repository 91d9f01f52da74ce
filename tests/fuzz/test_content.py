"""Generated tip files next to a valid library: every file gets a verdict, nothing raises.

Front matter that is valid-ish (a good tip with fields dropped, added or given values of the
wrong type), broken YAML (tabs, aliases, tags, deep nesting, several documents), random bytes
(NUL, invalid UTF-8, a BOM, CR line ends), huge values, and Markdown bodies. For each example
`load_library` must not raise; each generated file is either loaded or has an error Problem
with its path and a line >= 1; the valid tips beside them still load; and `tipsbot content
check` on the folder (or on one generated file) exits 0 or 1, never with a traceback.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.cli import main
from domain.content.errors import Severity
from domain.content.loader import load_library
from domain.content.rules import MASTER_FIELDS
from tests.content.factories import TEST_LIBRARY
from tests.fuzz.strategies import NASTY

TODAY = date(2026, 6, 1)
EXAMPLES = int(os.environ.get("FUZZ_CONTENT_EXAMPLES", "60"))
NEIGHBOURS = ("tips/health/water.md", "tips/health/water.cy.md", "tips/learning/sing.md")
DELETE = object()  # a drawn "value" that removes the field


def good_front_matter(tip_id: str) -> dict[str, Any]:
    return {
        "id": tip_id,
        "title": "Wash your hands",
        "topics": ["health"],
        "audience": {"child_age": {"from": "0 weeks", "until": "2 years"}},
        "sources": [{"title": "NHS", "url": "https://www.nhs.uk/"}],
        "reviewed": date(2026, 1, 10),
        "review_by": date(2027, 1, 10),
    }


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    st.text(max_size=40),
    st.sampled_from(NASTY),
    st.sampled_from(
        [
            "0 weeks",
            "2 years",
            "-1 days",
            "99999999999 years",
            "12 fortnights",
            "health",
            "https://www.nhs.uk/",
            "http://x",
            "javascript:alert(1)",
            "images/star.png",
            "../../../etc/passwd",
            "/etc/passwd",
            "images/",
            "england",
            "2026-02-30",
            "yes",
            "No",
        ]
    ),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    [
                        "from",
                        "until",
                        "title",
                        "url",
                        "name",
                        "part",
                        "pregnancy_weeks",
                        "child_age",
                    ]
                ),
                st.text(max_size=8),
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
field_names = st.one_of(
    st.sampled_from(MASTER_FIELDS),
    st.sampled_from(["review_status", "Title", "topic", "id ", "tittle", ""]),
    st.text(max_size=20),
)


@st.composite
def mutated_front_matter(draw: st.DrawFn, tip_id: str) -> str:
    """A good master's front matter with fields dropped, added or changed, as YAML."""
    fields = good_front_matter(tip_id)
    changes = draw(
        st.lists(st.tuples(field_names, st.one_of(st.just(DELETE), yaml_values)), max_size=5)
    )
    for name, value in changes:
        if value is DELETE:
            fields.pop(name, None)
        else:
            fields[name] = value
    return str(yaml.safe_dump(fields, allow_unicode=True, sort_keys=False))


BROKEN_YAML = (
    "id: x\n\ttitle: tab",
    "title: a: b",
    "title: `quoted`",
    "title: @mention",
    "topics: [health",
    "topics: {health",
    "id: &a x\ntitle: *a\ntopics: *b",
    "id: !!python/object:os.system x",
    "id: !custom x",
    "? [complex, key]\n: value",
    "id: x\nid: y",
    "- just\n- a\n- list",
    "just a string",
    "42",
    "null",
    "~",
    "''",
    "---\nid: second-document",
    "...",
    "%YAML 1.1\n---\nid: x",
    "id: 'unterminated",
    'id: "bad \\escape"',
    "<<: {id: merged}",
    "<<: [*nothing]",
    "reviewed: 2026-13-45",
    "reviewed: 2026-01-10T25:61:00",
    "priority: 1e400",
    "priority: .nan",
    "priority: 0x10",
    "priority: 99999999999999999999999999999999",
    "urgent: yes",
    "dates: {from: 31-02, until: 00-00}",
    "season: {months: [0, 13, -1]}",
    "series: {name: x, part: 0}",
    "image: images/../../../../etc/passwd",
    "sources: [{title: x, url: ftp://x}]",
)


def billion_laughs(depth: int) -> str:
    """Aliases that expand exponentially if anything walks the YAML naively."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, depth)]
    lines.append(f"sources: *a{depth - 1}")
    lines.append(f"topics: *a{depth - 1}")
    return "\n".join(lines)


def raw_front_matter(tip_id: str) -> st.SearchStrategy[str]:
    return st.one_of(
        mutated_front_matter(tip_id),
        st.sampled_from(BROKEN_YAML),
        st.text(max_size=200),
        st.integers(1, 1000).map(lambda n: "topics: " + "[" * n + "]" * n),
        st.integers(1, 1000).map(
            lambda n: "audience:\n" + "".join("  " * i + f"k{i}:\n" for i in range(n))
        ),
        st.integers(2, 9).map(billion_laughs),
        st.integers(1, 100_000).map(lambda n: f"id: {tip_id}\ntitle: {'x' * n}\ntopics: [health]"),
        st.tuples(mutated_front_matter(tip_id), st.sampled_from(BROKEN_YAML)).map("\n".join),
    )


def markdown_bodies() -> st.SearchStrategy[str]:
    line = st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            [
                "**bold** _it_ `code` [link](https://www.nhs.uk/)",
                "[bad](javascript:alert(1)) <b>raw</b> <script>x</script> &amp; & <",
                "# Heading",
                "- item\n  - nested\n    - deeper",
                "1. one\n2. two",
                "> quote",
                "```\ncode\n```",
                "```",
                "| a | b |\n|---|---|\n| 1 | 2 |",
                "![img](images/star.png)",
                "---",
                "***",
                "<!-- comment -->",
                "\\",
                "*",
                "__",
                "[x]",
                "[](<>)",
            ]
        ),
        st.integers(1, 1000).map(lambda n: ">" * n + " deep"),
        st.integers(1, 500).map(lambda n: "".join("  " * i + "- x\n" for i in range(n))),
        st.integers(1, 5000).map(lambda n: "word " * n),
    )
    return st.lists(line, max_size=8).map("\n".join)


@st.composite
def tip_files(draw: st.DrawFn, index: int) -> tuple[str, bytes]:
    """(path under the content folder, bytes) of one generated tip file."""
    folder = draw(
        st.sampled_from(
            [
                "tips/health",
                "tips/health",
                "tips/learning",
                "tips/unknown-topic",
                "tips",
                "tips/health/deeper",
            ]
        )
    )
    kind = draw(st.sampled_from(["master", "master", "translation", "odd name"]))
    tip_id = f"fz-{index}"
    if kind == "translation":
        name = f"sing.{draw(st.sampled_from(['cy', 'pl', 'xx', 'CY', 'cy-GB', '']))}.md"
    elif kind == "odd name":
        name = draw(
            st.sampled_from(
                [
                    f"{tip_id}.cy.extra.md",
                    f"FZ {index}.md",
                    f"fz_{index}.md",
                    f"{'x' * 200}.md",
                    f"ẑ-{index}.md",
                ]
            )
        )
    else:
        name = f"{tip_id}.md"
    if draw(st.integers(0, 2), label="a good tip with a random body?") == 0:
        # A third keep a good front matter, so random Markdown gets rendered and checked too.
        front = yaml.safe_dump(good_front_matter(tip_id), allow_unicode=True, sort_keys=False)
        body = draw(markdown_bodies().filter(str.strip))
        return f"tips/health/{tip_id}.md", f"---\n{front}---\n{body}".encode()
    front = draw(raw_front_matter(tip_id))
    body = draw(markdown_bodies())
    layout = draw(
        st.sampled_from(
            [
                "normal",
                "normal",
                "no opening",
                "no closing",
                "crlf",
                "cr",
                "bom",
                "empty",
                "spaces after ---",
            ]
        )
    )
    normal = f"---\n{front}\n---\n{body}"
    text = {
        "normal": normal,
        "no opening": f"{front}\n---\n{body}",
        "no closing": f"---\n{front}\n{body}",
        "crlf": normal.replace("\n", "\r\n"),
        "cr": normal.replace("\n", "\r"),
        "bom": f"\ufeff{normal}",
        "empty": "",
        "spaces after ---": f"---   \n{front}\n---  \n{body}",
    }[layout]
    data = text.encode("utf-8", errors="surrogatepass")
    corruption = draw(
        st.sampled_from(["none", "none", "none", "nul", "invalid utf-8", "latin-1", "random bytes"])
    )
    at = draw(st.integers(0, max(0, len(data))))
    if corruption == "nul":
        data = data[:at] + b"\x00" + data[at:]
    elif corruption == "invalid utf-8":
        data = (
            data[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82"]))
            + data[at:]
        )
    elif corruption == "latin-1":
        data = text.encode("latin-1", errors="replace")
    elif corruption == "random bytes":
        data = draw(st.binary(max_size=2000))
    return f"{folder}/{name}", data


def verdict_problems(content: Path, written: list[Path]) -> list[str]:
    """Loads the library (it must not raise) and lists the files without a verdict."""
    library = load_library(content, today=TODAY)
    problems: list[str] = []
    for problem in library.problems:
        if problem.line < 1:
            problems.append(f"line {problem.line} < 1: {problem.format(relative_to=content)}")
    for path in written:
        errors = [p for p in library.problems if p.path == path and p.severity is Severity.ERROR]
        event("a generated file loaded" if path in library.files else "a generated file refused")
        if path not in library.files and not errors:
            found = [p.format(relative_to=content) for p in library.problems if p.path == path]
            problems.append(f"{path.relative_to(content)}: neither loaded nor an error ({found})")
    for neighbour in NEIGHBOURS:
        if content / neighbour not in library.files:
            problems.append(f"the valid {neighbour} did not load")
    return problems


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(data=st.data())
def test_every_generated_file_gets_a_verdict(tmp_path: Path, data: st.DataObject) -> None:
    content = tmp_path / "content"
    shutil.rmtree(content, ignore_errors=True)
    shutil.copytree(TEST_LIBRARY, content)
    count = data.draw(st.integers(1, 4), label="files")
    written: list[Path] = []
    for index in range(count):
        relative, payload = data.draw(tip_files(index), label=f"file {index}")
        path = content / relative
        if path in written or any(path == content / n for n in NEIGHBOURS):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)
        written.append(path)

    assert verdict_problems(content, written) == []

    target = data.draw(st.sampled_from([content, *written]), label="checked")
    result = CliRunner().invoke(main, ["content", "check", str(target)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
