"""Files a workspace keeps for itself: readable by their owner only, never seen half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile

from .packaging.zipwriter import Buffer

OWNER_ONLY_DIR = 0o700


def make_private_dir(path: str) -> None:
    """Create the folder (and its parents) if needed; it is readable by its owner only."""
    os.makedirs(path, mode=OWNER_ONLY_DIR, exist_ok=True)
    os.chmod(path, OWNER_ONLY_DIR)


def write_private(path: str, data: Buffer) -> None:
    """Write the file whole under a temporary name, then rename it over `path`.

    mkstemp creates the temporary file readable and writable by its owner only (0o600), and each
    writer has its own, so a crash or a concurrent writer never leaves half a file at `path`.
    """
    handle, partial = tempfile.mkstemp(prefix=".partial-", dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(data)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise
