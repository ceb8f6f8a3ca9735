"""Timing and peak memory of our code against a baseline, measured side by side in one run.

Shared machines are noisy: what a benchmark reports is the ratio of ours to a baseline doing the
plain version of the same work, each the median of runs interleaved with the other's, and the
spread of the ratio over those runs. Some rows also carry a target from the issue tracker; they are
reported, never asserted.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence

Action = Callable[[], object]
# Does the untimed preparation (a fresh folder, an edit) and returns the action to measure.
Trial = Callable[[], Action]

MB = 1024 * 1024


@dataclass(frozen=True)
class TimedInside:
    """What an action returns when it timed itself (in another process): that time counts,
    not the wall time around the action."""

    milliseconds: float


@dataclass(frozen=True)
class Target:
    """What a row should reach: a ratio, a value of ours, or ours over the baseline by so much."""

    limit: float
    of: str = "ratio"  # "ratio", "ours" or "over" (ours minus the baseline)

    def met(self, row: Comparison) -> bool:
        value = {"ratio": row.ratio, "ours": row.ours, "over": row.ours - row.baseline}[self.of]
        return value <= self.limit

    def describe(self, unit: str) -> str:
        if self.of == "ratio":
            return f"≤ {self.limit:g}x"
        return f"{'≤' if self.of == 'ours' else '≤ baseline +'} {round(self.limit, 1):g} {unit}"


@dataclass(frozen=True)
class Comparison:
    name: str
    unit: str  # "ms" (median time) or "MB" (peak traced memory)
    ours_samples: Sequence[float]
    baseline_samples: Sequence[float]
    baseline_name: str
    targets: Sequence[Target] = ()

    @property
    def ours(self) -> float:
        return statistics.median(self.ours_samples)

    @property
    def baseline(self) -> float:
        return statistics.median(self.baseline_samples)

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def spread(self) -> Sequence[float]:
        """The lowest and highest ratio of a run of ours to the baseline's run beside it."""
        ratios = [
            ours / baseline if baseline else float("inf")
            for ours, baseline in zip(self.ours_samples, self.baseline_samples)
        ]
        return (min(ratios), max(ratios))

    @property
    def runs(self) -> int:
        return len(self.ours_samples)

    def to_json(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "ours": round(self.ours, 3),
            "baseline": round(self.baseline, 3),
            "baseline_name": self.baseline_name,
            "ratio": round(self.ratio, 4),
            "spread": [round(ratio, 4) for ratio in self.spread],
            "runs": self.runs,
            "ours_samples": [round(sample, 3) for sample in self.ours_samples],
            "baseline_samples": [round(sample, 3) for sample in self.baseline_samples],
            "target": self.describe_targets() or None,
            "met": self.met() if self.targets else None,
        }

    def describe_targets(self) -> str:
        return ", ".join(target.describe(self.unit) for target in self.targets)

    def verdicts(self, missed: str = "MISSED") -> str:
        """Each target and whether this row meets it."""
        return ", ".join(
            f"{target.describe(self.unit)} {'met' if target.met(self) else missed}"
            for target in self.targets
        )

    def met(self) -> bool:
        return all(target.met(self) for target in self.targets)


def compare_times(
    name: str,
    ours: Trial,
    baseline: Trial,
    runs: int,
    *,
    baseline_name: str,
    targets: Sequence[Target] = (),
) -> Comparison:
    """Milliseconds of each, in interleaved runs after one untimed warm-up run of each."""
    ours()()
    baseline()()
    ours_ms: List[float] = []
    baseline_ms: List[float] = []
    for _ in range(runs):
        ours_ms.append(_milliseconds(ours))
        baseline_ms.append(_milliseconds(baseline))
    return Comparison(name, "ms", ours_ms, baseline_ms, baseline_name, targets)


def compare_peak_memory(
    name: str,
    ours: Trial,
    baseline: Trial,
    *,
    baseline_name: str,
    targets: Sequence[Target] = (),
) -> Comparison:
    """Peak memory traced by tracemalloc during one run of each (deterministic enough for one).

    The trial's preparation runs traced too, so what the product keeps from it (the compressed
    bytes a save keeps for the next one) counts in the peak.
    """
    return Comparison(name, "MB", [_peak_mb(ours)], [_peak_mb(baseline)], baseline_name, targets)


def compare_process_memory(
    name: str,
    ours: Callable[[], Sequence[str]],
    baseline: Callable[[], Sequence[str]],
    *,
    baseline_name: str,
    env: Dict[str, str],
    targets: Sequence[Target] = (),
) -> Comparison:
    """Peak memory traced in two processes, from their start (imports included) to their exit;
    each command is made just before it runs."""
    ours_mb = _process_peak_mb(ours(), env)
    return Comparison(
        name, "MB", [ours_mb], [_process_peak_mb(baseline(), env)], baseline_name, targets
    )


def run_process(command: Sequence[str], env: Dict[str, str]) -> Action:
    def action() -> str:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:4])}… failed: {completed.stderr[-2000:]}")
        return completed.stdout

    return action


def timed_in_process(command: Sequence[str], env: Dict[str, str]) -> Action:
    """Runs a command that prints the milliseconds it measured itself."""
    run = run_process(command, env)
    return lambda: TimedInside(float(run()))


def _milliseconds(trial: Trial) -> float:
    action = trial()
    gc.collect()
    start = time.perf_counter()
    result = action()
    elapsed = (time.perf_counter() - start) * 1000
    return result.milliseconds if isinstance(result, TimedInside) else elapsed


def _peak_mb(trial: Trial) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        action = trial()
        gc.collect()
        tracemalloc.reset_peak()
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MB


# Runs the command's Python code with tracemalloc on from the start, and writes the peak to a file.
_TRACED = (
    "import atexit, runpy, sys, tracemalloc; out = sys.argv.pop(1); "
    "atexit.register(lambda: open(out, 'w').write(str(tracemalloc.get_traced_memory()[1]))); "
    "sys.argv.pop(0); "
    "runpy.run_module(sys.argv.pop(1), run_name='__main__') if sys.argv[0] == '-m' "
    "else runpy.run_path(sys.argv[0], run_name='__main__')"
)


def _process_peak_mb(command: Sequence[str], env: Dict[str, str]) -> float:
    """`command` is [python, script or "-m", module, arguments…]."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as out:
        python, *rest = command
        traced = [python, "-X", "tracemalloc", "-c", _TRACED, out.name, *rest]
        run_process(traced, env)()
        return int(out.read()) / MB
