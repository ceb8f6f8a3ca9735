"""Timing and peak memory of our code against a baseline, measured side by side in one run.

Shared machines are noisy: what a benchmark reports is the ratio of ours to a baseline doing the
plain version of the same work, each the median of runs interleaved with the other's.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any, Callable, Dict, List

Action = Callable[[], object]
# Does the untimed preparation (a fresh folder, an edit) and returns the action to measure.
Trial = Callable[[], Action]

_MB = 1024 * 1024


@dataclass(frozen=True)
class Comparison:
    name: str
    unit: str  # "ms" (median time) or "MB" (peak traced memory)
    ours: float
    baseline: float
    runs: int

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    def to_json(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "ours": round(self.ours, 3),
            "baseline": round(self.baseline, 3),
            "ratio": round(self.ratio, 4),
            "runs": self.runs,
        }


def compare_times(name: str, ours: Trial, baseline: Trial, runs: int) -> Comparison:
    """Median milliseconds of each, after one untimed warm-up run of each."""
    ours()()
    baseline()()
    ours_seconds: List[float] = []
    baseline_seconds: List[float] = []
    for _ in range(runs):
        ours_seconds.append(_seconds(ours))
        baseline_seconds.append(_seconds(baseline))
    return Comparison(
        name,
        "ms",
        statistics.median(ours_seconds) * 1000,
        statistics.median(baseline_seconds) * 1000,
        runs,
    )


def compare_peak_memory(name: str, ours: Trial, baseline: Trial) -> Comparison:
    """Peak memory traced by tracemalloc during one run of each (deterministic enough for one)."""
    return Comparison(name, "MB", _peak_mb(ours), _peak_mb(baseline), 1)


def _seconds(trial: Trial) -> float:
    action = trial()
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _peak_mb(trial: Trial) -> float:
    action = trial()
    gc.collect()
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / _MB
