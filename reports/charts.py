"""Bar charts laid out in Python and drawn as SVG by `reports/_chart.html`.

Each chart has a text summary and sits next to a table holding the same numbers, so a screen
reader (or a printout) loses nothing the picture shows.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 16, 44
MAX_TICK_LABELS = 8
SERIES_CLASSES = ("series-a", "series-b", "series-c", "series-d")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int]


@dataclass(frozen=True)
class ChartBar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class ChartTick:
    x: float
    label: str


@dataclass(frozen=True)
class GridLine:
    y: float
    label: str


@dataclass(frozen=True)
class Legend:
    name: str
    css: str


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    summary: str
    bars: list[ChartBar]
    ticks: list[ChartTick]
    grid: list[GridLine]
    legend: list[Legend]
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return 10 * magnitude


def bar_chart(
    *,
    key: str,
    title: str,
    labels: list[str],
    series: list[Series],
    summary: str,
    fmt: Callable[[int], str] = lambda n: f"{n:,}",
) -> BarChart:
    """Grouped bars: one group per label, one bar per series. Negative values draw as zero."""
    # Four gridlines at round values: the top is four times a round step.
    step = nice_ceiling(math.ceil(max([0, *(v for s in series for v in s.values)]) / 4))
    top = 4 * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(labels))
    group_w = slot * 0.8
    bar_w = group_w / max(1, len(series))
    bars = []
    for s_index, one in enumerate(series):
        css = SERIES_CLASSES[s_index % len(SERIES_CLASSES)]
        for i, value in enumerate(one.values):
            height = plot_h * max(0, value) / top
            bars.append(
                ChartBar(
                    x=round(LEFT + i * slot + (slot - group_w) / 2 + s_index * bar_w, 1),
                    y=round(TOP + plot_h - height, 1),
                    width=round(max(1.0, bar_w - 1), 1),
                    height=round(height, 1),
                    css=css,
                    title=f"{labels[i]}, {one.name}: {fmt(value)}",
                )
            )
    every = max(1, math.ceil(len(labels) / MAX_TICK_LABELS))
    ticks = [
        ChartTick(x=round(LEFT + i * slot + slot / 2, 1), label=label)
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    grid = [
        GridLine(y=round(TOP + plot_h - plot_h * part / 4, 1), label=fmt(step * part))
        for part in range(0, 5)
    ]
    legend = [
        Legend(one.name, SERIES_CLASSES[i % len(SERIES_CLASSES)]) for i, one in enumerate(series)
    ]
    return BarChart(
        key=key, title=title, summary=summary, bars=bars, ticks=ticks, grid=grid, legend=legend
    )


def dollars_axis(cents: int) -> str:
    """Axis labels in whole dollars: `$12,500`."""
    return f"${round(cents / 100):,}"
