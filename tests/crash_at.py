"""Run the command line and kill it right after a chosen step of a re-download's swap.

`python tests/crash_at.py STEP ARGUMENT...` runs `python -m lambda_editor ARGUMENT...`, and the
process kills itself with SIGKILL (no cleanup runs, as after a crash, the OOM killer or a power
cut) right after the rename STEP names:

- `moved-aside`: the old copy of the workspace was moved into the staging folder;
- `swapped-in`: the new copy was renamed into the workspace's place.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, Callable

from lambda_editor.cli import main

# The staging folder's entries for the two copies (see lambda_editor/swap.py).
_PREVIOUS, _INCOMING = "previous", "code"


def killing_replace(step: str) -> Callable[..., None]:
    real_replace = os.replace

    def replace(source: Any, target: Any, **options: Any) -> None:
        real_replace(source, target, **options)
        moved_aside = os.path.basename(str(target)) == _PREVIOUS
        swapped_in = os.path.basename(str(source)) == _INCOMING
        if (step, True) in (("moved-aside", moved_aside), ("swapped-in", swapped_in)):
            os.kill(os.getpid(), signal.SIGKILL)

    return replace


if __name__ == "__main__":
    os.replace = killing_replace(sys.argv[1])
    sys.exit(main(sys.argv[2:]))
