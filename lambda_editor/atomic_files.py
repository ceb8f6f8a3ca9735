"""Files written whole or not at all: a crash never leaves half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Optional


def write_text_atomically(path: str, text: str, mode: Optional[int] = None) -> None:
    """Write `text` (UTF-8, line ends as given) as `write_atomically` does."""
    write_atomically(path, text.encode("utf-8"), mode)


def write_atomically(
    path: str, data: bytes, mode: Optional[int] = None, *, durable: bool = True
) -> None:
    """Write `data` to a scratch file beside `path`, then rename it over `path`. Each writer has a
    scratch file of its own, so concurrent writes never trip over each other (the last rename
    wins). The file is readable and writable by its owner only (mkstemp's 0o600) unless `mode`
    is given. `durable`: on disk before the rename (fsync); a cache checked when read can skip it.
    """
    folder, name = os.path.split(path)
    handle, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=folder or ".")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(partial, mode)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise
