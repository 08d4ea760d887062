"""Class breaks (Fisher–Jenks natural breaks, exact) and the sequential palette of the choropleths."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# ColorBrewer "Blues" (9 classes): light → dark. No data is a neutral grey that is none of them.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
NO_DATA_FILL = "#d4d4d4"
MAX_CLASSES = 8


def palette(count: int) -> list[str]:
    """`count` colours from light to dark (the lightest Blues step is too close to the paper to use)."""
    if count <= 0:
        return []
    if count == 1:
        return [BLUES[5]]
    step = (len(BLUES) - 2) / (count - 1)
    return [BLUES[1 + round(i * step)] for i in range(count)]


@dataclass(frozen=True)
class Scale:
    lows: tuple[float, ...]  # the smallest value of each class
    highs: tuple[float, ...]  # the largest value of each class (the breaks)
    colours: tuple[str, ...]  # one per class, in the order of the values

    def index(self, value: float | None) -> int | None:
        if value is None or not self.highs:
            return None
        return min(bisect_left(self.highs, value), len(self.highs) - 1)

    def colour(self, value: float | None) -> str:
        i = self.index(value)
        return NO_DATA_FILL if i is None else self.colours[i]

    def text_colour(self, value: float | None) -> str:
        """Text on a tile of this value's colour: white on the dark blues."""
        i = self.index(value)
        return "#ffffff" if i is not None and self.colours[i] in BLUES[5:] else "#1f2328"


def clean(value: float | None) -> float | None:
    """A value to classify: None, NaN and infinities are no data."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def jenks(values: Iterable[float], classes: int) -> list[tuple[float, float]]:
    """(low, high) of each class, minimising the squared deviations within classes (Fisher's exact method).

    Works on the distinct values weighted by their count, so equal values always share a class; asks for at most
    as many classes as there are distinct values."""
    counts = Counter(values)
    distinct = sorted(counts)
    k = max(0, min(classes, len(distinct)))
    if k == 0:
        return []
    if k == 1:
        return [(distinct[0], distinct[-1])]
    v = np.array(distinct, dtype=float)
    w = np.array([counts[x] for x in distinct], dtype=float)
    # prefix sums; cost(a, b) = within-class squared deviation of distinct values a..b inclusive
    s0 = np.concatenate([[0.0], np.cumsum(w)])
    s1 = np.concatenate([[0.0], np.cumsum(w * v)])
    s2 = np.concatenate([[0.0], np.cumsum(w * v * v)])
    n = len(v)
    a = np.arange(n)[:, None]  # the first value of a class
    b = np.arange(n)[None, :]  # its last value
    cnt = s0[b + 1] - s0[a]
    total = s1[b + 1] - s1[a]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where(a <= b, np.maximum(s2[b + 1] - s2[a] - total * total / cnt, 0.0), np.inf)
    best = np.full((k, n), np.inf)
    start = np.zeros((k, n), dtype=int)
    best[0] = cost[0]
    for j in range(1, k):
        previous = np.concatenate([[np.inf], best[j - 1, :-1]])  # best[j-1, a-1] for every a (a = 0 impossible)
        candidates = previous[:, None] + cost
        candidates[:j] = np.inf
        start[j] = np.argmin(candidates, axis=0)
        best[j] = candidates[start[j], np.arange(n)]
    bounds = []
    last = n - 1
    for j in range(k - 1, -1, -1):
        first = int(start[j, last]) if j else 0
        bounds.append((float(v[first]), float(v[last])))
        last = first - 1
    return bounds[::-1]


def scale(values: Iterable[float | None], *, classes: int, better: str) -> Scale:
    """The classes of the values and their colours: darker is better ("up": higher is better; "down": lower)."""
    if better not in ("up", "down"):
        raise ValueError(f'better must be "up" or "down", not {better!r}')
    present = [v for v in (clean(x) for x in values) if v is not None]
    bounds = jenks(present, max(1, min(int(classes), MAX_CLASSES)))
    colours = palette(len(bounds))
    if better == "down":
        colours = colours[::-1]
    return Scale(
        lows=tuple(lo for lo, _ in bounds),
        highs=tuple(hi for _, hi in bounds),
        colours=tuple(colours),
    )
