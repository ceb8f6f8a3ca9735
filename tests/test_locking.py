"""One writer per workspace: the lock holds across threads and processes, and dies with its
holder."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import pytest
from test_cli import cli_env

from lambda_editor.dependencies.vendor import vendor_change
from lambda_editor.locking import WorkspaceLock, lock_path, workspace_lock

HOLD = (
    "import sys; from lambda_editor.locking import workspace_lock; "
    "workspace_lock(sys.argv[1]).acquire(); print('held', flush=True); sys.stdin.read()"
)


@contextlib.contextmanager
def held_by_another_process(script: str, path: str) -> Iterator[subprocess.Popen]:  # type: ignore[type-arg]
    """A process running `script` on `path`, once it says it holds its lock; killed at the end."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen]:  # type: ignore[type-arg]
    """Another process holding the lock of tmp_path/fn until it ends."""
    root = tmp_path / "fn"
    root.mkdir()
    with held_by_another_process(HOLD, str(root)) as process:
        yield process


def in_thread(work: Callable[[], Any]) -> threading.Event:
    """Run `work` on a thread; the event is set once it returned."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done


def acquire_then_release_of(
    lock: WorkspaceLock, on_wait: Optional[Callable[[str], None]] = None
) -> Callable[[], None]:
    def acquire_then_release() -> None:
        lock.acquire(on_wait)
        lock.release()

    return acquire_then_release


def test_another_process_waits_until_the_holder_dies_without_releasing(
    tmp_path: Path,
    holder: subprocess.Popen,  # type: ignore[type-arg]
) -> None:
    lock = workspace_lock(str(tmp_path / "fn"))
    waits: List[str] = []
    acquired = in_thread(acquire_then_release_of(lock, waits.append))

    blocked = not acquired.wait(0.5)
    holder.kill()  # SIGKILL: no cleanup, no release; the OS frees the lock

    assert blocked
    assert acquired.wait(10)
    assert waits == ["waiting for another deploy, download or install of this workspace to end…"]


def test_a_change_to_vendor_waits_for_the_workspace_lock(
    tmp_path: Path,
    holder: subprocess.Popen,  # type: ignore[type-arg]
) -> None:
    staged = tmp_path / "staged"
    staged.mkdir()

    def merge() -> None:
        with vendor_change(str(tmp_path / "fn")) as change:
            change.merge(str(staged))

    merged = in_thread(merge)

    blocked = not merged.wait(0.5)
    assert holder.stdin is not None
    holder.stdin.close()  # the holder ends normally

    assert blocked
    assert merged.wait(10)
    assert (tmp_path / "fn" / "vendor").is_dir()


def test_the_thread_holding_the_lock_may_take_it_again_others_wait(tmp_path: Path) -> None:
    lock = workspace_lock(str(tmp_path / "fn"))
    with lock, lock:  # the same thread: re-entrant
        other = in_thread(acquire_then_release_of(lock))
        assert not other.wait(0.3)
    assert other.wait(10)


def test_the_lock_file_lies_beside_the_folder_so_it_outlives_a_rename(tmp_path: Path) -> None:
    assert lock_path(str(tmp_path / "fn")) == str(tmp_path.resolve() / ".fn.lock")
    assert workspace_lock(str(tmp_path / "fn")) is workspace_lock(str(tmp_path / "." / "fn"))
