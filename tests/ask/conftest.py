"""The real content library, loaded once for the Ask tests (read-only), and a small danger-sign
list of the tests' own, so the matching tests don't move when editors change their phrases."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.content.loader import load_library
from domain.content.model import Library
from tests.ask.quality import TODAY

REPO = Path(__file__).resolve().parents[2]

SIGNS_YAML = """\
urgent_tips:
  england: h-urgent-help-england
  wales: h-urgent-help-wales
  scotland: h-urgent-help-scotland
  northern-ireland: h-urgent-help-northern-ireland
signs:
  - id: not-breathing
    phrases:
      en: ["not breathing", "blue lips", "fit"]
      cy: ["ddim yn anadlu"]
      pl: ["nie oddycha", "gorączk drgawk"]
      uk: ["не дихає", "м'язи"]
      ur: ["سانس نہیں", "ہونٹ نیلے"]
  - id: fever-under-3-months
    child_under: 3 months
    phrases:
      en: ["fever", "temperature"]
      cy: ["twymyn"]
      pl: ["gorączk"]
      uk: ["температур"]
      ur: ["بخار"]
  - id: domestic-abuse
    also: [h-feeling-safe-at-home-england, h-feeling-safe-at-home-scotland]
    phrases:
      en: ["partner hits me"]
      cy: ["partner yn fy nharo"]
      pl: ["partner mnie bije"]
      uk: ["партнер мене б'є"]
      ur: ["شوہر مارتا"]
"""


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(REPO / "content", today=TODAY)


@pytest.fixture
def signs_file(tmp_path: Path) -> Path:
    path = tmp_path / "danger-signs.yaml"
    path.write_text(SIGNS_YAML, encoding="utf-8")
    return path
