"""Starting other programs: pip, interpreter probes, local runs, and stopping them.

Every process the package starts is started here, the same way: stdin closed, and on Windows
without a console window (Sublime Text has no console to lend, so each child would flash one up).
Processes that may start their own children (pip's build backends, a handler's subprocesses) get a
process group of their own, so stopping one stops everything it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

OutputCallback = Callable[[str], None]

_CANCEL_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Completed:
    status: int  # the exit status
    output: bytes  # stdout, and stderr when it was merged


def run_to_end(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Optional[Mapping[str, str]] = None,
    merge_stderr: bool = False,
) -> Completed:
    """Run a short command (a probe) and collect its output; stderr is dropped unless merged.

    Raises OSError when it cannot start, TimeoutError (an OSError) when it runs past `timeout`.
    """
    try:
        completed = subprocess.run(
            list(argv),
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.DEVNULL,
            env=None if env is None else dict(env),
            timeout=timeout,
            **start_options(own_group=False),
        )
    except subprocess.TimeoutExpired as exc:
        raise TimeoutError(f"{argv[0]} did not finish within {timeout:g} s") from exc
    return Completed(completed.returncode, completed.stdout)


def start(
    argv: Sequence[str], *, cwd: Optional[str] = None, env: Optional[Mapping[str, str]] = None
) -> subprocess.Popen[bytes]:
    """Start a process in a group of its own, its stdout and stderr merged into one pipe."""
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **start_options(own_group=True),
    )


def run_streaming(
    argv: Sequence[str],
    on_output: OutputCallback,
    cancel: Optional[threading.Event] = None,
    env: Optional[Mapping[str, str]] = None,
) -> int:
    """Run argv, passing each line of its output (stdout and stderr) to on_output as it comes.

    Setting `cancel` stops the process and the processes it started. Returns the exit status;
    the caller checks `cancel` to tell a cancelled run.
    """
    process = start(argv, env=env)
    if cancel is not None:
        threading.Thread(target=_stop_on_cancel, args=(process, cancel), daemon=True).start()
    assert process.stdout is not None
    try:
        with process.stdout:
            for raw in iter(process.stdout.readline, b""):
                on_output(raw.decode("utf-8", "replace").rstrip("\r\n"))
    except BaseException:  # on_output failed, or Ctrl-C in a terminal: the child must not live on
        stop_tree(process)
        process.wait()
        raise
    return process.wait()


def wait_briefly(process: subprocess.Popen[bytes], seconds: float) -> Optional[int]:
    """The exit status once the process ends within `seconds`, else None."""
    try:
        return process.wait(seconds)
    except subprocess.TimeoutExpired:
        return None


def _stop_on_cancel(process: subprocess.Popen[bytes], cancel: threading.Event) -> None:
    while process.poll() is None:
        if cancel.wait(_CANCEL_POLL_SECONDS):
            stop_tree(process)
            return


def stop_tree(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """Stop a process started by `start` and whatever it started: asked to end, or `kill`ed.

    Windows has no signal a console-less process would heed, so there the tree is always ended.
    """
    if sys.platform == "win32":
        with contextlib.suppress(OSError):  # it ended meanwhile, or taskkill is missing
            run_to_end(["taskkill", "/F", "/T", "/PID", str(process.pid)], timeout=30)
        return
    with contextlib.suppress(OSError):  # the group is already gone
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)


def start_options(own_group: bool) -> Dict[str, Any]:
    """Popen's options for a child with no console window, in its own process group or not."""
    if sys.platform != "win32":
        return {"start_new_session": own_group}
    startupinfo = subprocess.STARTUPINFO()
    startupinfo.dwFlags |= subprocess.STARTF_USESHOWWINDOW
    startupinfo.wShowWindow = subprocess.SW_HIDE
    flags = subprocess.CREATE_NO_WINDOW
    if own_group:
        flags |= subprocess.CREATE_NEW_PROCESS_GROUP
    return {"creationflags": flags, "startupinfo": startupinfo}
