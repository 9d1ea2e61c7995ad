"""A histogram of dues changes, laid out in Python and drawn as SVG by a template."""

import math
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from membership.money import format_cents

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 24, 56
MAX_BARS = 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str
    increase: bool
    tick: str  # shown under some bars only


@dataclass(frozen=True)
class Histogram:
    bars: list[Bar]
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    plot_right: int
    max_count: int
    summary: str


def _nice_width(span: int) -> int:
    raw = max(1, math.ceil(span / MAX_BARS))
    magnitude = 10 ** int(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude


def _dollars(d: int) -> str:
    return format_cents(d * 100).removesuffix(".00")


def change_histogram(changes_by_dollar: Counter) -> Histogram | None:
    """Group changes (whole dollars → members) into at most 20 equal bins of a round width."""
    if not changes_by_dollar:
        return None
    low, high = min(changes_by_dollar), max(changes_by_dollar)
    width = _nice_width(high - low + 1)
    start = (low // width) * width
    count = (high - start) // width + 1
    bins = [0] * count
    for dollars, members in changes_by_dollar.items():
        bins[(dollars - start) // width] += members
    max_count = max(bins)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    tick_every = max(1, math.ceil(count / 8))
    bars = []
    for i, members in enumerate(bins):
        lo = start + i * width
        hi = lo + width - 1
        height = plot_h * members / max_count
        label = (
            _dollars(lo)
            if width == 1
            else _("%(lo)s to %(hi)s") % {"lo": _dollars(lo), "hi": _dollars(hi)}
        )
        bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.1, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(slot * 0.8, 1),
                height=round(height, 1),
                count=members,
                label=label,
                increase=lo >= 0,
                tick=_dollars(lo) if i % tick_every == 0 else "",
            )
        )
    total = sum(bins)
    summary = _(
        "%(total)s members whose dues change, by %(low)s to %(high)s, in bins of %(width)s."
    ) % {
        "total": f"{total:,}",
        "low": _dollars(low),
        "high": _dollars(high + 1),
        "width": _dollars(width),
    }
    return Histogram(
        bars=bars,
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_bottom=TOP + plot_h,
        plot_right=WIDTH - RIGHT,
        max_count=max_count,
        summary=summary,
    )
