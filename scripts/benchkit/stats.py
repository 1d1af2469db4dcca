"""Summaries of raw latency samples (nearest-rank percentiles: no interpolation between samples)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` in [0, 100]; None for no samples."""
    if not 0 <= p <= 100:
        raise ValueError(f"p: must be within 0..100, got {p}")
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 4)
