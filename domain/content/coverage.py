"""What the library covers: tips per topic x stage x nation x language, and missing translations.

A tip counts in every topic it lists, every stage it belongs to and every nation it is for; in a
language only when it has a text in that language (the master or a translation). A cell with
fewer than THIN_BELOW tips is "thin": a family there soon runs out of tips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.content.model import REGIONS, Library, Tip
from domain.content.stages import STAGES, Stage, stages_of

THIN_BELOW = 3


@dataclass(frozen=True, slots=True)
class Coverage:
    languages: tuple[str, ...]
    topics: tuple[str, ...]  # topic ids in display order
    stages: tuple[Stage, ...]
    counts: Mapping[tuple[str, str, str], int]  # (language, topic id, stage id) -> tips
    untranslated: Mapping[str, tuple[str, ...]]  # language -> ids of essential/urgent tips
    # (language, topic id, stage id, nation) -> tips
    nation_counts: Mapping[tuple[str, str, str, str], int]
    nations: tuple[str, ...] = REGIONS

    def count(self, language: str, topic: str, stage: str) -> int:
        return self.counts.get((language, topic, stage), 0)

    def nation_count(self, language: str, topic: str, stage: str, nation: str) -> int:
        return self.nation_counts.get((language, topic, stage, nation), 0)

    def thin_cells(self, language: str) -> list[tuple[str, str, str, int]]:
        """(topic id, stage id, nation, tips) for the cells with fewer than THIN_BELOW tips."""
        return [
            (topic, stage.id, nation, count)
            for topic in self.topics
            for stage in self.stages
            for nation in self.nations
            if (count := self.nation_count(language, topic, stage.id, nation)) < THIN_BELOW
        ]

    def empty_cells(self, language: str) -> list[tuple[str, str]]:
        """(topic id, stage id) pairs with no tip in `language`."""
        return [
            (topic, stage.id)
            for topic in self.topics
            for stage in self.stages
            if not self.count(language, topic, stage.id)
        ]


def needs_every_language(tip: Tip) -> bool:
    """Essential and urgent tips reach every family, so they should exist in every language."""
    return tip.essential or tip.urgent


def untranslated(tips: Iterable[Tip], languages: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """For each language, the essential or urgent tips that have no text in it."""
    wanted = [tip for tip in tips if needs_every_language(tip)]
    return {
        language: tuple(sorted(tip.id for tip in wanted if language not in tip.texts))
        for language in languages
    }


def coverage(library: Library) -> Coverage:
    """Count the library's tips per language, topic and stage."""
    counts: dict[tuple[str, str, str], int] = {}
    nation_counts: dict[tuple[str, str, str, str], int] = {}
    for tip in library.tips.values():
        for stage in stages_of(tip):
            for topic in tip.topics:
                for language in tip.texts:
                    key = (language, topic, stage.id)
                    counts[key] = counts.get(key, 0) + 1
        for nation in sorted(tip.regions):
            for stage in stages_of(tip, nation):
                for topic in tip.topics:
                    for language in tip.texts:
                        cell = (language, topic, stage.id, nation)
                        nation_counts[cell] = nation_counts.get(cell, 0) + 1
    return Coverage(
        languages=library.languages,
        topics=tuple(library.topics),
        stages=STAGES,
        counts=counts,
        untranslated=untranslated(library.tips.values(), library.languages),
        nation_counts=nation_counts,
    )
