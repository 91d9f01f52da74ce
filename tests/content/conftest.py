"""Fixtures of the content tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

BROKEN_SOURCE = Path(__file__).parent / "broken"


def write_unreadable_files(content: Path) -> None:
    """The two corpus files that are not UTF-8 text; made here, as tools choke on them in git."""
    health = content / "tips" / "health"
    (health / "binary.md").write_bytes(b"---\nid: binary\n\x00\x01\x02\n")
    latin1 = "---\nid: latin1\ntitle: Café\ntopics: [health]\n---\nx\n".encode("latin-1")
    (health / "latin1.md").write_bytes(latin1)


@pytest.fixture(scope="session")
def broken_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The broken-file corpus (tests/content/broken) plus its unreadable files, in a tmp dir."""
    target = tmp_path_factory.mktemp("broken")
    shutil.copytree(BROKEN_SOURCE, target, dirs_exist_ok=True)
    write_unreadable_files(target)
    return target
