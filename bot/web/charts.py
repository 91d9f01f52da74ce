"""Small server-side charts for the dashboard: one value per day as stacked bars and/or lines.

This module only computes geometry (plain dataclasses in SVG user units); the markup is in
templates/_chart.html, where Jinja escapes every text. Colours come from CSS classes, so the
page's stylesheet decides them and the SVG carries no inline styles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

WIDTH = 480.0  # user units; the SVG scales to its box, so text grows and shrinks with it
HEIGHT = 280.0
TOP = 16.0
BOTTOM = 52.0  # room for the day labels and the x axis title
AXIS_ROOM = 60.0  # room for tick labels and a rotated axis title
EDGE = 26.0  # right margin without a right axis: half of the last day's label
BAR_FILL = 0.72  # share of a day's slot that its bar covers
LABEL_EVERY_DAYS = 7


@dataclass(frozen=True)
class Series:
    """One named sequence of daily values; None means no value that day (a gap in a line)."""

    name: str
    values: Sequence[float | None]
    css: str  # a class in dashboard.css giving its colour
    kind: Literal["bar", "line"] = "bar"
    axis: Literal["left", "right"] = "left"
    unit: str = ""  # appended to values in tooltips and the data table, e.g. " s"


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    tooltip: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    css: str
    tooltip: str


@dataclass(frozen=True)
class Line:
    path: str  # SVG path data; breaks where a value is missing
    css: str
    dots: list[Dot]


@dataclass(frozen=True)
class LegendEntry:
    name: str
    css: str
    kind: str


@dataclass(frozen=True)
class Chart:
    """Everything _chart.html needs to draw one chart and its data table."""

    id: str
    title: str
    description: str  # the text alternative: what the chart shows, in words
    x_label: str
    y_label: str
    y2_label: str | None
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    y2_ticks: list[Tick]
    bars: list[Bar]
    lines: list[Line]
    legend: list[LegendEntry]
    table_head: list[str]
    table_rows: list[list[str]] = field(default_factory=list)

    @property
    def middle_y(self) -> float:
        return (self.top + self.bottom) / 2


def nice_ticks(highest: float, *, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `highest` (steps of 1, 2, 2.5 or 5 times 10^k)."""
    if highest <= 0:
        return [0.0, 1.0]
    rough = highest / (count - 1)
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    if step < 1 and highest >= 1:
        step = 1.0
    steps = math.ceil(highest / step - 1e-9)
    return [i * step for i in range(steps + 1)]


def format_number(value: float) -> str:
    """12.5 -> "12.5"; 1500 -> "1.5k"; 20000 -> "20k" (short labels for axes)."""
    if abs(value) >= 1000:
        return f"{value / 1000:,.1f}k".replace(".0k", "k")
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}".rstrip("0").rstrip(".")


def format_exact(value: float) -> str:
    """For tables and tooltips: 15300 -> "15,300"; 12.34 -> "12.3"; 0.456 -> "0.46"."""
    if abs(value - round(value)) < 0.005:
        return f"{round(value):,}"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def daily_chart(
    *,
    id: str,
    title: str,
    description: str,
    days: Sequence[date],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    y2_label: str | None = None,
) -> Chart:
    """Bars (stacked, in the order given) and lines over `days`, on a left and maybe a right
    axis. Every series has one value per day."""
    for s in series:
        if len(s.values) != len(days):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(days)} days")
    has_right = any(s.axis == "right" for s in series)
    left, right = AXIS_ROOM, WIDTH - (AXIS_ROOM if has_right else EDGE)
    top, bottom = TOP, HEIGHT - BOTTOM
    slot = (right - left) / max(len(days), 1)

    def highest(axis: str) -> float:
        stacked = [
            sum(s.values[i] or 0 for s in series if s.kind == "bar" and s.axis == axis)
            for i in range(len(days))
        ]
        points = [v for s in series if s.kind == "line" and s.axis == axis for v in s.values]
        return max([0.0, *stacked, *(v for v in points if v is not None)])

    left_ticks = nice_ticks(highest("left"))
    right_ticks = nice_ticks(highest("right")) if has_right else []

    def y_of(value: float, axis: str) -> float:
        ticks = right_ticks if axis == "right" else left_ticks
        return bottom - (bottom - top) * value / ticks[-1]

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    bars: list[Bar] = []
    base = [0.0] * len(days)
    for s in (s for s in series if s.kind == "bar"):
        for i, value in enumerate(s.values):
            if not value:
                continue
            y_top, y_base = y_of(base[i] + value, s.axis), y_of(base[i], s.axis)
            bars.append(
                Bar(
                    x=round(x_of(i) - slot * BAR_FILL / 2, 2),
                    y=round(y_top, 2),
                    width=round(slot * BAR_FILL, 2),
                    height=round(y_base - y_top, 2),
                    css=s.css,
                    tooltip=f"{days[i].isoformat()}: {s.name} {format_exact(value)}{s.unit}",
                )
            )
            base[i] += value

    lines: list[Line] = []
    for s in (s for s in series if s.kind == "line"):
        commands: list[str] = []
        dots: list[Dot] = []
        pen_down = False
        for i, value in enumerate(s.values):
            if value is None:
                pen_down = False
                continue
            x, y = round(x_of(i), 2), round(y_of(value, s.axis), 2)
            commands.append(f"{'L' if pen_down else 'M'}{x} {y}")
            pen_down = True
            tooltip = f"{days[i].isoformat()}: {s.name} {format_exact(value)}{s.unit}"
            dots.append(Dot(x, y, s.css, tooltip))
        lines.append(Line(" ".join(commands), s.css, dots))

    last = len(days) - 1
    x_ticks = [
        Tick(round(x_of(i), 2), day_label(day))
        for i, day in enumerate(days)
        if (last - i) % LABEL_EVERY_DAYS == 0
    ]

    def axis_ticks(values: list[float], axis: str) -> list[Tick]:
        return [Tick(round(y_of(v, axis), 2), format_number(v)) for v in values]

    def cell(value: float | None, unit: str) -> str:
        return "–" if value is None else f"{format_exact(value)}{unit}"

    return Chart(
        id=id,
        title=title,
        description=description,
        x_label=x_label,
        y_label=y_label,
        y2_label=y2_label if has_right else None,
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        x_ticks=x_ticks,
        y_ticks=axis_ticks(left_ticks, "left"),
        y2_ticks=axis_ticks(right_ticks, "right"),
        bars=bars,
        lines=lines,
        legend=[LegendEntry(s.name, s.css, s.kind) for s in series],
        table_head=["Day (UTC)", *(s.name for s in series)],
        table_rows=[
            [day.isoformat(), *(cell(s.values[i], s.unit) for s in series)]
            for i, day in enumerate(days)
        ],
    )
