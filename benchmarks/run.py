"""Speed and memory of the core as ratios against plain baselines: `python3 scripts/dev.py bench`.

Each benchmark measures ours and its baseline in the same run, interleaved, on a generated
workspace bound to functions on the local endpoint; shared machines are too noisy for absolute
times. Rows show the medians, the ratio of the medians, the spread of the ratio over the runs, and
the target when the row has one. Nothing here passes or fails on a number: the exit status is 1
only when a benchmark could not run. `--json FILE` also writes the results, `--markdown FILE` the
table as the README shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cases
import processes
from measure import Comparison
from sample_tree import generate_large_tree, generate_tiny_tree, generate_tree

from lambda_editor.errors import LambdaEditorError
from lambda_editor.sandbox import Sandbox
from lambda_editor.units import format_size

DEFAULT_RUNS = 7
TREES: Dict[str, Callable[[str], None]] = {
    "small": generate_tree,
    "large": generate_large_tree,
    "tiny": generate_tiny_tree,  # checks the harness, measures nothing worth reading
}
# In this order: the checks of unchanged workspaces come before the edits.
CASES: Sequence[Callable[[cases.Setup, int], List[Comparison]]] = (
    cases.no_op_check,
    cases.first_no_op_check_after_pull,
    cases.save,
    cases.first_save_after_pull,
    cases.cold_build,
    cases.extraction,
    cases.pull,
    cases.update_wait,
    cases.save_to_deployed,
    cases.log_poll,
    processes.push_one_file_edit,
    processes.push_no_change,
)
_UNIT_LABELS = {"ms": "median ms", "MB": "peak MB"}


@dataclass(frozen=True)
class TreeResults:
    tree: str
    files: int
    unzipped_bytes: int
    zipped_bytes: int
    seconds: float
    results: List[Comparison]

    def describe(self) -> str:
        return (
            f"{self.tree}: {self.files:,} files, {format_size(self.unzipped_bytes)} unzipped, "
            f"{format_size(self.zipped_bytes)} zipped; {self.seconds:.0f} s"
        )


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = _parser().parse_args(argv)
    trees = ["small", "large"] if arguments.tree == "all" else [arguments.tree]
    measured: List[TreeResults] = []
    try:
        for tree in trees:
            measured.append(run(tree, arguments.runs))
            print(measured[-1].describe())
            print(format_table(measured[-1].results), flush=True)
    except LambdaEditorError as error:
        print(f"The benchmarks could not run: {error}", file=sys.stderr)
        return 1
    if arguments.json:
        report = _report(measured, arguments.runs)
        Path(arguments.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if arguments.markdown:
        tables = "\n\n".join(format_markdown(tree) for tree in measured)
        Path(arguments.markdown).write_text(tables + "\n", encoding="utf-8")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tree", choices=[*TREES, "all"], default="all", help="which workspace (default: all)"
    )
    parser.add_argument(
        "--runs", type=_positive, default=DEFAULT_RUNS, help="timed runs of each (the median)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(tree: str, runs: int) -> TreeResults:
    """Every comparison on one generated tree."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lambda-editor-bench-") as scratch, Sandbox(
        update_delay=0
    ) as sandbox:
        os.environ.update(cases.environment(scratch))  # no AWS files of the developer's
        quick = tree == "tiny"  # a check of the harness: no time for AWS's pace
        setup = cases.prepare(
            scratch, sandbox, TREES[tree], 0.05 if quick else cases.UPDATE_SECONDS
        )
        results = [result for case in CASES for result in case(setup, runs)]
    package = setup.package
    return TreeResults(
        tree,
        len(package.manifest),
        package.unzipped_size,
        package.zipped_size,
        time.perf_counter() - started,
        results,
    )


def format_table(results: Sequence[Comparison]) -> str:
    lines: List[str] = []
    for unit, label in _UNIT_LABELS.items():
        rows = [result for result in results if result.unit == unit]
        if not rows:
            continue
        lines.append(
            f"{label:<52} {'ours':>8} {'baseline':>9}  {'':<28} {'ratio':>6} {'spread':>11}  target"
        )
        for row in rows:
            low, high = row.spread
            verdict = row.verdicts()
            lines.append(
                f"  {row.name:<50} {row.ours:>8.1f} {row.baseline:>9.1f}  {row.baseline_name:<28}"
                f" {row.ratio:>6.2f} {low:>5.2f}-{high:<5.2f}  {verdict}"
            )
    return "\n".join(lines)


def format_markdown(tree: TreeResults) -> str:
    lines = [
        f"**{tree.describe()}**",
        "",
        "| | ours | baseline | | ratio (spread) | target |",
        "| --- | ---: | ---: | --- | --- | --- |",
    ]
    for row in tree.results:
        low, high = row.spread
        spread = f" ({low:.2f}-{high:.2f})" if row.runs > 1 else ""
        target = row.verdicts(missed="**missed**")
        lines.append(
            f"| {row.name} | {row.ours:,.1f} {row.unit} | {row.baseline:,.1f} {row.unit} | "
            f"{row.baseline_name} | {row.ratio:.2f}{spread} | {target} |"
        )
    return "\n".join(lines)


def _report(measured: Sequence[TreeResults], runs: int) -> Dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "runs": runs,
        "trees": [
            {
                "tree": tree.tree,
                "files": tree.files,
                "unzipped_bytes": tree.unzipped_bytes,
                "zipped_bytes": tree.zipped_bytes,
                "seconds": round(tree.seconds, 1),
                "results": [result.to_json() for result in tree.results],
            }
            for tree in measured
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
