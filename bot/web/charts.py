"""Charts as data for an inline SVG template (``templates/_chart.html``): no JavaScript.

Only numbers and labels are computed here; the template writes the SVG and
escapes every label. Colours come from CSS classes (``series-x``...), so the
Content-Security-Policy needs no inline style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.web.stats import DayCounts


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass
class BarChart:
    width: int
    height: int
    plot_left: float
    plot_bottom: float
    plot_right: float
    rects: list[Rect] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    total: int = 0


#: The y axis has this many intervals; each is a whole, round number of posts.
INTERVALS = 4


def axis_top(value: int) -> int:
    """The top of a y axis showing ``value``: four equal steps of 1, 2, 3, 5, 10, 20, 30...

    >>> axis_top(0), axis_top(5), axis_top(13), axis_top(99)
    (4, 8, 20, 120)
    """
    magnitude = 1
    while True:
        for factor in (1, 2, 3, 5):
            step = factor * magnitude
            if step * INTERVALS >= value:
                return step * INTERVALS
        magnitude *= 10


def stacked_bars(
    days: Sequence[DayCounts],
    series: Sequence[str],
    *,
    width: int = 640,
    height: int = 240,
    labels: dict[str, str] | None = None,
) -> BarChart:
    """One bar per day, stacked by ``series`` (platforms), on a y axis of whole numbers."""
    left, right, top, bottom = 36.0, width - 8.0, 12.0, height - 28.0
    chart = BarChart(width, height, left, bottom, right, series=list(series))
    top_value = axis_top(max((d.total for d in days), default=0))
    scale = (bottom - top) / top_value
    slot = (right - left) / max(len(days), 1)
    bar = max(slot * 0.7, 1.0)
    names = labels or {}
    for index in range(INTERVALS + 1):
        value = top_value * index // INTERVALS
        chart.ticks.append(Tick(round(bottom - value * scale, 1), str(value)))
    every = 1 if len(days) <= 10 else 2
    for index, day in enumerate(days):
        x = left + slot * index + (slot - bar) / 2
        y = bottom
        chart.total += day.total
        for name in series:
            count = day.counts.get(name, 0)
            if not count:
                continue
            h = count * scale
            y -= h
            title = f"{day.day.isoformat()}: {count} on {names.get(name, name)}"
            chart.rects.append(
                Rect(round(x, 1), round(y, 1), round(bar, 1), round(h, 1), name, title)
            )
        if index % every == 0:
            chart.labels.append(Label(round(x + bar / 2, 1), day.day.strftime("%m-%d")))
    return chart
