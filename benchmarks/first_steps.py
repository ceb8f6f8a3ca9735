"""What a deploy does first, as steps to measure; run as a script, one of them timed in a new
process, after its imports, as a `push` process meets the workspace.

`python first_steps.py check|save ROOT` prints the milliseconds the step took.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambda_editor import warm_start
from lambda_editor.packaging.walk import one_walk
from lambda_editor.workspace import Workspace


def check_nothing_to_deploy(root: str) -> None:
    """The decision of a save that changed nothing."""
    warm_start.load_hashes(root)
    changes = Workspace.load(root).undeployed_changes()
    if changes:
        raise RuntimeError(f"The workspace changed under the benchmark: {changes.summary()}.")


def archive_ready(root: str) -> str:
    """What a deploy does before it uploads: decide, build, and the CodeSha256 to expect."""
    with one_walk(root):
        warm_start.load_hashes(root)
        workspace = Workspace.load(root)
        if not workspace.undeployed_changes():
            raise RuntimeError("The edit was not seen.")
        warm_start.offer_reusable_entries(workspace)
        return workspace.build_package().sha256_b64


STEPS = {"check": check_nothing_to_deploy, "save": archive_ready}

if __name__ == "__main__":
    step, root = STEPS[sys.argv[1]], sys.argv[2]
    started = time.perf_counter()
    step(root)
    print((time.perf_counter() - started) * 1000)
