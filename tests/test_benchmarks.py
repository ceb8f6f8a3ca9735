"""The benchmark harness still runs: every case, once, on a tiny tree.

Its numbers are not checked (a shared machine is noisy, and a tiny tree measures nothing worth
reading); `python3 scripts/dev.py bench` is the measurement.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import REPO, cli_env


@pytest.mark.timeout(300)
def test_every_benchmark_runs_and_reports_against_its_baseline(tmp_path: Path) -> None:
    pytest.importorskip("moto", reason="the benchmarks run against the local endpoint")
    report = tmp_path / "report.json"
    table = tmp_path / "table.md"
    command = [sys.executable, str(REPO / "benchmarks" / "run.py"), "--tree", "tiny", "--runs", "1"]

    completed = subprocess.run(
        [*command, "--json", str(report), "--markdown", str(table)],
        capture_output=True,
        text=True,
        check=False,
        env=cli_env(),
    )

    assert completed.returncode == 0, completed.stderr
    (tree,) = json.loads(report.read_text())["trees"]
    rows = tree["results"]
    assert {row["name"] for row in rows} >= {
        "no-op check",
        "first no-op check after a pull, new process",
        "save, one-file edit: archive ready",
        "first save after a pull: archive ready",
        "first save after a pull, new process: archive ready",
        "cold build",
        "extraction",
        "pull",
        "save -> deployed",
        "push, one-file edit (process)",
        "push, no change (process)",
    }
    assert all(row["ours"] > 0 and row["baseline"] > 0 for row in rows)
    assert "| save -> deployed |" in table.read_text()
