"""`tipsbot content ...` through click's CliRunner."""

from __future__ import annotations

import importlib
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.content import content, to_terminal
from tests.content.factories import TEST_LIBRARY, copy_library
from tests.content.telegram_html import telegram_html_problems

# The package re-exports the `content` group under the module's name, so fetch the module itself.
content_cli = importlib.import_module("bot.cli.content")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(content_cli, "_today", lambda: date(2026, 6, 1))
    monkeypatch.delenv("CONTENT_DIR", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_check_a_clean_library(runner: CliRunner) -> None:
    result = runner.invoke(content, ["check", str(TEST_LIBRARY)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 tips, 1 translations, 0 errors, 0 warnings"


def test_check_reads_content_dir_from_the_environment(runner: CliRunner) -> None:
    result = runner.invoke(content, ["check"], env={"CONTENT_DIR": str(TEST_LIBRARY)})
    assert result.exit_code == 0, result.output


def test_check_a_broken_library_exits_1_with_compiler_lines(
    runner: CliRunner, broken_corpus: Path
) -> None:
    result = runner.invoke(content, ["check", str(broken_corpus)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.endswith(
            "tips/health/impossible-date.md:8: error: reviewed: 2026-02-30 is not a real date"
        )
        for line in lines
    )
    assert lines[-1] == "4 tips, 1 translations, 31 errors, 3 warnings"
    assert not any(": info: " in line for line in lines)
    verbose = runner.invoke(content, ["check", "-v", str(broken_corpus)])
    assert any(": info: " in line for line in verbose.output.splitlines())


def test_check_json(runner: CliRunner, broken_corpus: Path) -> None:
    result = runner.invoke(content, ["check", "--format", "json", str(broken_corpus)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["summary"] == {"tips": 4, "translations": 1, "errors": 31, "warnings": 3}
    first = report["problems"][0]
    assert set(first) == {"path", "line", "severity", "message"}
    assert {p["severity"] for p in report["problems"]} == {"error", "warning", "info"}


def test_check_one_file(runner: CliRunner, broken_corpus: Path) -> None:
    result = runner.invoke(content, ["check", str(broken_corpus / "tips/health/wrong-type.md")])
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 2
    good = runner.invoke(content, ["check", str(TEST_LIBRARY / "tips/health/water.md")])
    assert good.exit_code == 0


def test_check_warns_about_a_stale_schema(runner: CliRunner, tmp_path: Path) -> None:
    library = copy_library(tmp_path)
    (library / "tip.schema.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(content, ["check", str(library)])
    assert result.exit_code == 0
    assert "tip.schema.json is out of date with topics.yaml" in result.output
    assert (
        runner.invoke(content, ["schema", "--write", "--content-dir", str(library)]).exit_code == 0
    )
    assert "out of date" not in runner.invoke(content, ["check", str(library)]).output


def test_preview_html(runner: CliRunner) -> None:
    result = runner.invoke(
        content, ["preview", "water", "--html", "--content-dir", str(TEST_LIBRARY)]
    )
    assert result.exit_code == 0, result.output
    html = result.output.rstrip("\n")
    assert html.startswith(
        "🩺 <b>Drink enough water</b>\n\nDrinking <b>water</b> helps you &amp; your baby."
    )
    assert html.endswith(
        '<i>Sources: <a href="https://www.nhs.uk/pregnancy/keeping-well/">NHS</a></i>'
    )
    assert telegram_html_problems(html) == []


def test_preview_in_a_language(runner: CliRunner) -> None:
    result = runner.invoke(
        content, ["preview", "water", "--lang", "cy", "--content-dir", str(TEST_LIBRARY)]
    )
    assert result.exit_code == 0, result.output
    assert "Yfwch ddigon o ddŵr" in result.output
    assert "Ffynonellau: NHS <https://www.nhs.uk/pregnancy/keeping-well/>" in result.output
    assert "\x1b[" not in result.output  # no colour when not a terminal
    assert "stages: pregnancy-t1, pregnancy-t2, pregnancy-t3" in result.output


def test_preview_falls_back_to_the_master(runner: CliRunner) -> None:
    result = runner.invoke(
        content, ["preview", "sing", "--lang", "cy", "--content-dir", str(TEST_LIBRARY)]
    )
    assert result.exit_code == 0
    assert "no 'cy' translation: showing the en text" in result.output
    assert "photo: " in result.output


def test_preview_unknown_or_broken(runner: CliRunner, broken_corpus: Path) -> None:
    missing = runner.invoke(content, ["preview", "watr", "--content-dir", str(TEST_LIBRARY)])
    assert missing.exit_code == 1
    assert "no tip with id 'watr' (did you mean 'water'?)" in missing.output
    broken = runner.invoke(content, ["preview", "wrong-type", "--content-dir", str(broken_corpus)])
    assert broken.exit_code == 1
    assert "priority must be a whole number" in broken.output
    bad_lang = runner.invoke(
        content, ["preview", "water", "--lang", "de", "--content-dir", str(TEST_LIBRARY)]
    )
    assert bad_lang.exit_code == 2


def test_coverage_table(runner: CliRunner) -> None:
    result = runner.invoke(content, ["coverage", "--content-dir", str(TEST_LIBRARY)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # 13 stages x 2 topics x 4 nations; 'water' (health, pregnancy weeks 12-40) and 'sing'
    # (learning, 0-2 years) fill 7 stages in every nation with one tip: thin, the rest empty.
    assert lines[0] == "en: 0 of 104 topic x stage x nation cells have 3+ tips; 104 thin (76 empty)"
    assert lines[1].split() == ["Health", "Play", "and", "learning"]
    assert lines[2].split() == ["stage", *["ENG", "WAL", "SCO", "NI"] * 2]
    assert lines[3].split() == ["pregnancy-t1", *["1*"] * 4, *["--"] * 4]
    assert lines[6].split() == ["0-3m", *["--"] * 4, *["1*"] * 4]
    assert lines[15].split() == ["reception-p1", *["--"] * 8]
    assert lines[16] == "* thin: fewer than 3 tips; --: none"
    assert "cy: 0 of 104 topic x stage x nation cells have 3+ tips; 104 thin (92 empty)" in lines


def test_coverage_json(runner: CliRunner) -> None:
    result = runner.invoke(
        content, ["coverage", "--format", "json", "--content-dir", str(TEST_LIBRARY)]
    )
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["languages"] == ["en", "cy"]
    assert report["topics"] == ["health", "learning"]
    assert report["stages"][0] == "pregnancy-t1"
    assert report["counts"]["cy"]["health"]["pregnancy-t2"] == 1
    assert report["counts"]["cy"]["learning"]["0-3m"] == 0
    assert ["learning", "0-3m"] in report["empty"]["cy"]
    assert report["untranslated"] == {"en": [], "cy": []}
    assert report["nations"] == ["england", "wales", "scotland", "northern-ireland"]
    assert report["nation_counts"]["en"]["learning"]["6-12m"]["wales"] == 1
    assert report["thin_below"] == 3
    thin = {(c["topic"], c["stage"], c["nation"]): c["tips"] for c in report["thin"]["en"]}
    assert thin[("health", "pregnancy-t2", "scotland")] == 1
    assert thin[("learning", "reception-p1", "england")] == 0


def test_schema_prints_json(runner: CliRunner) -> None:
    result = runner.invoke(content, ["schema", "--content-dir", str(TEST_LIBRARY)])
    assert result.exit_code == 0
    assert json.loads(result.output)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_terminal_rendering() -> None:
    rendered = to_terminal('<b>B</b> <a href="https://x.org">x</a>\n<blockquote>a\nb</blockquote>')
    assert rendered == "\x1b[1mB\x1b[22m x <https://x.org>\n▍ a\n▍ b"


def test_every_command_has_help_and_is_in_the_editors_guide(runner: CliRunner) -> None:
    guide = (Path(__file__).parents[2] / "content" / "README.md").read_text(encoding="utf-8")
    for name, command in content.commands.items():
        assert command.help, name
        assert runner.invoke(content, [name, "--help"]).exit_code == 0
        assert f"tipsbot content {name}" in guide, name


def _timeline_first_line(runner: CliRunner, env: dict[str, str]) -> str:
    args = ["timeline", "--birth-date", "2026-03-01", "--weeks", "1", "--days", "mon"]
    args += ["--time", "22:00", "--start", "2026-06-01", "--content-dir", str(TEST_LIBRARY)]
    result = runner.invoke(content, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[0]


def test_timeline_keeps_the_quiet_hours_from_the_settings(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("QUIET_HOURS_START", "QUIET_HOURS_END", "DEFAULT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    # 22:00 falls in the default quiet hours (21:00-08:00): the tip waits for the morning.
    assert _timeline_first_line(runner, {}).startswith("Tue 2026-06-02 08:00")
    assert _timeline_first_line(runner, {"QUIET_HOURS_END": "07:30"}).startswith(
        "Tue 2026-06-02 07:30"
    )
    assert _timeline_first_line(runner, {"QUIET_HOURS_START": "23:00"}).startswith(
        "Mon 2026-06-01 22:00"
    )


def test_timeline_starts_from_the_defaults_new_subscribers_get(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"DEFAULT_DAYS": "tue,sat", "DEFAULT_SEND_TIME": "09:15"}
    args = ["timeline", "--birth-date", "2026-03-01", "--weeks", "1", "--start", "2026-06-01"]
    result = runner.invoke(content, [*args, "--content-dir", str(TEST_LIBRARY)], env=env)
    assert result.exit_code == 0, result.output
    days = [line.split()[:3] for line in result.output.splitlines()[:-1]]
    assert days == [["Tue", "2026-06-02", "09:15"], ["Sat", "2026-06-06", "09:15"]]
    bad = runner.invoke(content, [*args, "--days", "funday", "--content-dir", str(TEST_LIBRARY)])
    assert bad.exit_code == 2 and "funday" in bad.output
