"""Every UI language translates every string, keeps every placeholder, and compiles."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from domain.i18n import LOCALES_DIR, Catalogs

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = ("cy", "pl", "uk", "ur")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _read(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def test_the_template_is_up_to_date(tmp_path: Path) -> None:
    """messages.pot holds exactly the strings in the code (run pybabel extract, see README)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    expected = {m.id for m in _read(fresh) if m.id}
    committed = {m.id for m in _read(LOCALES_DIR / "messages.pot") if m.id}
    assert committed == expected, (
        f"missing from messages.pot: {sorted(map(str, expected - committed))[:5]}; "
        f"stale: {sorted(map(str, committed - expected))[:5]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translates_every_string_and_keeps_placeholders(language: str) -> None:
    template = {m.id for m in _read(LOCALES_DIR / "messages.pot") if m.id}
    catalog = _read(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po")
    problems: list[str] = []
    seen = set()
    for message in catalog:
        if not message.id:
            continue
        seen.add(message.id)
        singular = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        raw = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = [str(text or "") for text in raw]
        if message.fuzzy:
            problems.append(f"fuzzy: {singular!r}")
        if not all(strings):
            problems.append(f"untranslated: {singular!r}")
            continue
        wanted = set(PLACEHOLDER.findall(singular))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted or (
                not isinstance(message.id, tuple) and set(PLACEHOLDER.findall(text)) != wanted
            ):
                problems.append(f"placeholders differ in {singular!r}: {text!r}")
    problems += [f"missing: {m!r}" for m in template - seen]
    assert not problems, "\n".join(problems[:20])


def test_catalogs_compile_and_fall_back_to_the_default_language() -> None:
    catalogs = Catalogs("en")
    assert set(LANGUAGES) | {"en"} <= set(catalogs.languages)
    assert catalogs.negotiate("pl") == "pl"
    assert catalogs.negotiate("pt-br") == "en"
    assert catalogs.negotiate(None) == "en"
    assert catalogs.for_language("ur").locale.language == "ur"
    assert catalogs.for_language("pl").gettext("Done") != "Done"
