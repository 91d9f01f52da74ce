"""The content library: editors' Markdown tips loaded, checked and rendered for Telegram.

The contract is docs/content-format.md; the editors' guide is content/README.md.
"""

from domain.content.coverage import Coverage, coverage
from domain.content.errors import ContentError, FrontMatterError, Problem, RenderError, Severity
from domain.content.loader import load_library
from domain.content.model import (
    AgeWindow,
    Library,
    PregnancyWindow,
    ReviewStatus,
    Source,
    Tip,
    TipText,
    Topic,
)
from domain.content.reload import LibraryWatcher
from domain.content.render import RenderedTip, render_markdown, render_tip
from domain.content.stages import STAGES, Stage, stages_of

__all__ = [
    "STAGES",
    "AgeWindow",
    "ContentError",
    "Coverage",
    "FrontMatterError",
    "Library",
    "LibraryWatcher",
    "PregnancyWindow",
    "Problem",
    "RenderError",
    "RenderedTip",
    "ReviewStatus",
    "Severity",
    "Source",
    "Stage",
    "Tip",
    "TipText",
    "Topic",
    "coverage",
    "load_library",
    "render_markdown",
    "render_tip",
    "stages_of",
]
