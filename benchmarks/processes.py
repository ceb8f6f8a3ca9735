"""The benchmarks of the command line, as processes: a `push` starts cold, as a user runs it.

Each is timed whole (interpreter start, imports, work, exit) against a process doing the plain
version: a bare boto3 upload of the same zip that waits the same way, or the interpreter starting
and importing what the command line imports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List, Sequence

from cases import BASELINE_FUNCTION, EDITED_FILE, Setup, environment, settle
from measure import (
    MB,
    Action,
    Comparison,
    Target,
    Trial,
    compare_process_memory,
    compare_times,
    run_process,
)

from lambda_editor import history

_HERE = Path(__file__).resolve().parent
_BARE_UPLOAD = str(_HERE / "bare_upload.py")


def _push(setup: Setup) -> List[str]:
    options = ["--endpoint-url", setup.sandbox.url, "--region", setup.sandbox.region]
    return [sys.executable, "-m", "lambda_editor", *options, "push", setup.workspace]


def _bare_upload(setup: Setup) -> List[str]:
    """Uploads the zip the last push uploaded (the newest of the workspace's history)."""
    entry = history.newest(setup.workspace)
    assert entry is not None
    return [sys.executable, _BARE_UPLOAD, setup.sandbox.url, BASELINE_FUNCTION, entry.zip_path]


def push_one_file_edit(setup: Setup, runs: int) -> List[Comparison]:
    """`push` after a one-file edit, against a bare boto3 process uploading the same zip."""
    setup.sandbox.update_delay = setup.update_seconds
    env = environment(setup.scratch)
    edited = os.path.join(setup.workspace, EDITED_FILE)

    def ours() -> Action:
        with open(edited, "a", encoding="utf-8") as sink:
            sink.write("# edited for a push\n")
        return run_process(_push(setup), env)

    def baseline() -> Action:
        return run_process(_bare_upload(setup), env)

    times = compare_times(
        "push, one-file edit (process)",
        ours,
        baseline,
        runs,
        baseline_name="boto3 process: upload + wait",
        targets=[Target(1.3)],
    )

    def edited_push() -> List[str]:
        ours()
        return _push(setup)

    memory = compare_process_memory(
        "push, one-file edit (process)",
        edited_push,
        lambda: _bare_upload(setup),
        baseline_name="boto3 process: upload + wait",
        env=env,
        targets=[Target(setup.package.zipped_size / MB + 64, "ours")],
    )
    return [times, memory]


def push_no_change(setup: Setup, runs: int) -> List[Comparison]:
    """`push` with nothing to deploy, against the interpreter starting and importing."""
    env = environment(setup.scratch)
    settle()  # the last edit's digest is kept from now on, as it would be a moment later
    ours = _process(_push(setup), env)
    imports = _process([sys.executable, "-c", "import lambda_editor.cli"], env)
    boto3 = _process([sys.executable, "-c", "import boto3"], env)
    return [
        compare_times(
            "push, no change (process)",
            ours,
            imports,
            runs,
            baseline_name="python + import our CLI",
            targets=[Target(1.5)],
        ),
        compare_times(
            "push, no change (process)",
            ours,
            boto3,
            runs,
            baseline_name="python + import boto3",
        ),
    ]


def _process(command: Sequence[str], env: Dict[str, str]) -> Trial:
    action = run_process(command, env)
    return lambda: action
