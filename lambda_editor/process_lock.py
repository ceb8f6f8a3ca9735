"""A lock file that one process holds across processes (the command line and Sublime Text).

The lock file holds its holder's process id. A second process is refused, with that id in the
message. A lock whose process is gone, or older than `STALE_LOCK_SECONDS`, was left by a process
that died and is taken over.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Iterator, Optional

from .errors import LambdaEditorError

STALE_LOCK_SECONDS = 6 * 3600  # far longer than anything that holds one; this old: a reused pid


@contextlib.contextmanager
def held(lock: str, busy: str) -> Iterator[None]:
    """Hold the lock file `lock` for the block; `busy` says what holds it when it is taken
    ("A dependency install or removal is running for this function")."""
    _acquire(lock, busy)
    try:
        yield
    finally:
        if holder(lock) == os.getpid():  # not taken over meanwhile as stale
            with contextlib.suppress(OSError):
                os.unlink(lock)


def _acquire(lock: str, busy: str) -> None:
    for _attempt in range(2):  # once more after taking over a stale lock
        try:
            os.makedirs(os.path.dirname(lock), exist_ok=True)
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if not _is_stale(lock):
                break
            # Two processes taking over the same stale lock at the same instant could both go on;
            # that needs a crashed holder and two simultaneous starts.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock)
            continue
        except OSError as exc:
            raise LambdaEditorError(f"Could not create {lock}: {exc.strerror or exc}.") from exc
        with os.fdopen(descriptor, "w") as stream:
            stream.write(f"{os.getpid()}\n")
        return
    pid = holder(lock)
    process = f" (process {pid})" if pid else ""
    raise LambdaEditorError(
        f"{busy}{process}.",
        f"Wait for it to finish, then try again. If none is running, delete {lock}.",
    )


def holder(lock: str) -> Optional[int]:
    """The process id a lock file holds; None when it holds none (yet, or any more)."""
    try:
        with open(lock, encoding="ascii", errors="replace") as stream:
            text = stream.read().strip()
    except OSError:
        return None
    return int(text) if text.isdecimal() else None


def _is_stale(lock: str) -> bool:
    try:
        age = time.time() - os.stat(lock).st_mtime
    except FileNotFoundError:  # released meanwhile
        return True
    pid = holder(lock)
    # No pid yet: its holder is between creating and writing it, so only age tells.
    return age > STALE_LOCK_SECONDS or (pid is not None and not _process_alive(pid))


def _process_alive(pid: int) -> bool:
    """Whether a process with this id exists (a reused id counts: the lock's age settles that)."""
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0 only checks (on Windows, os.kill would end the process)
    except (ProcessLookupError, OverflowError):  # gone, or no process id at all
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _QUERY_LIMITED_INFORMATION = 0x1000
    _ERROR_ACCESS_DENIED = 5
    _STILL_ACTIVE = 259
    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # this module's own instance
    _kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    _kernel32.OpenProcess.restype = wintypes.HANDLE
    _kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    _kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)

    def _windows_process_alive(pid: int) -> bool:
        handle = _kernel32.OpenProcess(_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:  # no such process, unless it is one we may not look at
            return ctypes.get_last_error() == _ERROR_ACCESS_DENIED
        try:
            exit_code = wintypes.DWORD()
            known = _kernel32.GetExitCodeProcess(handle, ctypes.byref(exit_code))
            return not known or exit_code.value == _STILL_ACTIVE
        finally:
            _kernel32.CloseHandle(handle)
