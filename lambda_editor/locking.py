"""One writer per workspace, across threads and processes.

Deploys, re-downloads, dependency installs and every write of the marker hold the workspace's
lock. It is an OS lock (`fcntl.flock`, `msvcrt.locking`) on a file beside the workspace folder,
`.<folder>.lock`: beside, so it outlives the re-download that renames the folder; an OS lock, so
the OS releases it when its process dies (no process id to check, no stale lock to guess about).
Within a process (the Sublime plugin host runs several threads) a re-entrant thread lock is taken
first, so the thread that holds the OS lock may take it again.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from types import TracebackType
from typing import Callable, Dict, Iterator, Optional, Type

from .errors import LambdaEditorError

WAITING = "waiting for another deploy, download or install of this workspace to end…"
_WINDOWS_POLL = 0.05  # msvcrt has no lock that waits for as long as it takes


class WorkspaceLock:
    """The lock of one workspace folder; `with lock:` or `lock.acquire(on_wait)`."""

    def __init__(self, root: str, path: str) -> None:
        self.root = root
        self.path = path  # the lock file
        self._thread_lock = threading.RLock()
        self._depth = 0  # acquisitions by the thread holding it
        self._descriptor: Optional[int] = None

    def acquire(self, on_wait: Optional[Callable[[str], None]] = None) -> bool:
        """Block until held; True when another holder had to be waited for (`on_wait` was told)."""
        waited = not self._thread_lock.acquire(blocking=False)
        if waited:
            if on_wait:
                on_wait(WAITING)
            self._thread_lock.acquire()
        try:
            if self._depth == 0:
                waited = self._lock_file(None if waited else on_wait) or waited
        except BaseException:
            self._thread_lock.release()
            raise
        self._depth += 1
        return waited

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._descriptor is not None:
            descriptor, self._descriptor = self._descriptor, None
            _unlock(descriptor)
            os.close(descriptor)
        self._thread_lock.release()

    def __enter__(self) -> WorkspaceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.release()

    def _lock_file(self, on_wait: Optional[Callable[[str], None]]) -> bool:
        descriptor = _open_lock_file(self.path, f"the workspace {self.root}")
        try:
            waited = not _try_lock(descriptor)
            if waited:
                if on_wait:
                    on_wait(WAITING)
                _lock(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        return waited


@contextlib.contextmanager
def held_or_refused(path: str, busy: str, hint: str) -> Iterator[None]:
    """Hold the OS lock on the file `path` for the block, or refuse at once (`busy`, `hint`)
    while another thread or process holds it. Its holder dying releases it."""
    descriptor = _open_lock_file(path, path)
    try:
        if not _try_lock(descriptor):
            raise LambdaEditorError(busy, hint)
        try:
            yield
        finally:
            _unlock(descriptor)
    finally:
        os.close(descriptor)


def _open_lock_file(path: str, what: str) -> int:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not lock {what}: {exc.strerror or exc} ({path}).",
            "Its folder must be writable.",
        ) from exc


if sys.platform == "win32":
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        os.lseek(descriptor, 0, os.SEEK_SET)
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _lock(descriptor: int) -> None:
        while not _try_lock(descriptor):
            time.sleep(_WINDOWS_POLL)

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


def lock_path(root: str) -> str:
    """`<parent>/.<folder>.lock`, for the folder's real path."""
    real = os.path.realpath(os.path.abspath(root))
    parent, name = os.path.split(real)
    return os.path.join(parent, f".{name}.lock")


_locks: Dict[str, WorkspaceLock] = {}
_locks_guard = threading.Lock()


def workspace_lock(root: str) -> WorkspaceLock:
    """The lock of the workspace at `root` (which may not exist yet: a first download)."""
    path = lock_path(root)
    with _locks_guard:
        return _locks.setdefault(os.path.normcase(path), WorkspaceLock(os.path.abspath(root), path))
