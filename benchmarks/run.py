"""Speed and memory of the core as ratios against plain baselines: `python3 scripts/dev.py bench`.

Each benchmark measures ours and its baseline in the same run, interleaved, on a generated
workspace bound to a function on the local endpoint; shared machines are too noisy for absolute
times. Nothing here passes or fails on a number: the exit status is 1 only when a benchmark could
not run. `--json FILE` also writes the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cases
from measure import Comparison

from lambda_editor.errors import LambdaEditorError
from lambda_editor.packaging.builder import BuiltPackage
from lambda_editor.sandbox import Sandbox
from lambda_editor.units import format_size

DEFAULT_RUNS = 7
CASES: Sequence[Callable[[cases.Setup, int], List[Comparison]]] = (
    cases.no_op_save_check,
    cases.cold_build,
    cases.warm_build,
    cases.extraction,
    cases.save_to_deployed,
    cases.log_poll,
)
_UNIT_LABELS = {"ms": "median ms", "MB": "peak MB"}


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = _parser().parse_args(argv)
    started = time.perf_counter()
    try:
        tree, results = run(arguments.runs)
    except LambdaEditorError as error:
        print(f"The benchmarks could not run: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(f"{describe_tree(tree)}; {seconds:.1f} s in all")
    print(format_table(results))
    if arguments.json:
        report = _report(tree, results, arguments.runs, seconds)
        Path(arguments.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    parser.add_argument(
        "--runs", type=_positive, default=DEFAULT_RUNS, help="timed runs of each (the median)"
    )
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(runs: int) -> Tuple[BuiltPackage, List[Comparison]]:
    """The generated tree's first package and every comparison."""
    scratch_folder = tempfile.TemporaryDirectory(prefix="lambda-editor-bench-")
    with scratch_folder as scratch, Sandbox(update_delay=0) as sandbox:
        setup = cases.prepare(scratch, sandbox)
        results = [result for case in CASES for result in case(setup, runs)]
    return setup.package, results


def describe_tree(package: BuiltPackage) -> str:
    return (
        f"workspace: {len(package.manifest):,} files, {format_size(package.unzipped_size)} "
        f"unzipped, {format_size(package.zipped_size)} zipped"
    )


def format_table(results: Sequence[Comparison]) -> str:
    lines: List[str] = []
    for unit, label in _UNIT_LABELS.items():
        rows = [result for result in results if result.unit == unit]
        if rows:
            lines.append(f"{label:<20} {'ours':>10} {'baseline':>10} {'ratio':>7} {'runs':>5}")
            lines.extend(
                f"  {row.name:<18} {row.ours:>10.1f} {row.baseline:>10.1f} {row.ratio:>7.2f}"
                f" {row.runs:>5}"
                for row in rows
            )
    return "\n".join(lines)


def _report(
    tree: BuiltPackage, results: Sequence[Comparison], runs: int, seconds: float
) -> Dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "runs": runs,
        "seconds": round(seconds, 1),
        "workspace": {
            "files": len(tree.manifest),
            "unzipped_bytes": tree.unzipped_size,
            "zipped_bytes": tree.zipped_size,
        },
        "results": [result.to_json() for result in results],
    }


if __name__ == "__main__":
    sys.exit(main())
