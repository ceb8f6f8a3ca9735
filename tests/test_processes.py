"""Every process the package starts: output streamed, stopped with its children, no console."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List, Tuple

import pytest
from conftest import eventually

from lambda_editor import processes
from lambda_editor.processes import run_streaming, run_to_end

PACKAGE = Path(__file__).resolve().parent.parent / "lambda_editor"

# The child waits (up to 60 s) for a file the parent creates on reading its first line: it can
# only see the file if that line reached the parent while the child was still running.
_WAIT_FOR_FLAG = """
import os, sys, time
flag = sys.argv[1]
print("ready", flush=True)
for _ in range(600):
    if os.path.exists(flag):
        print("saw the flag")
        break
    time.sleep(0.1)
else:
    print("never saw the flag")
"""


def test_output_streams_while_the_process_runs(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    lines: List[str] = []

    def on_output(line: str) -> None:
        lines.append(line)
        if line == "ready":
            flag.touch()

    status = run_streaming([sys.executable, "-c", _WAIT_FOR_FLAG, str(flag)], on_output)
    assert status == 0
    assert lines == ["ready", "saw the flag"]


@pytest.mark.skipif(sys.platform == "win32", reason="the grandchild is found by its pid file")
def test_cancel_stops_the_process_and_what_it_started(tmp_path: Path) -> None:
    grandchild = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(grandchild)!r}, 'w').write(str(child.pid))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
        "print('finished')\n"
    )
    cancel = threading.Event()
    lines: List[str] = []

    def on_output(line: str) -> None:
        lines.append(line)
        cancel.set()

    run_streaming([sys.executable, "-c", script], on_output, cancel)

    assert lines == ["ready"]
    pid = int(grandchild.read_text())
    assert eventually(lambda: not Path(f"/proc/{pid}").exists() or _state(pid) == "Z", 10)


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[0]


def test_a_probe_past_its_timeout_is_an_os_error() -> None:
    with pytest.raises(OSError, match=r"did not finish within 0\.2 s"):
        run_to_end([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.2)


def test_a_probe_keeps_stderr_only_when_merged() -> None:
    script = "import sys; print('out'); print('err', file=sys.stderr)"
    assert run_to_end([sys.executable, "-c", script], timeout=30).output.split() == [b"out"]
    merged = run_to_end([sys.executable, "-c", script], timeout=30, merge_stderr=True)
    assert sorted(merged.output.split()) == [b"err", b"out"]


# Windows' values, for a machine that has none.
CREATE_NO_WINDOW, CREATE_NEW_PROCESS_GROUP, STARTF_USESHOWWINDOW, SW_HIDE = 0x8000000, 0x200, 1, 0


class StartupInfo:
    """Windows' STARTUPINFO as a new one starts: no flags, windows shown normally."""

    def __init__(self) -> None:
        self.dwFlags = 0
        self.wShowWindow = 1


def test_on_windows_every_process_starts_without_a_console_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: List[Tuple[List[str], Any]] = []

    def run(argv: List[str], **options: Any) -> Any:
        started.append((argv, options))
        return SimpleNamespace(returncode=0, stdout=b"")

    def popen(argv: List[str], **options: Any) -> Any:
        started.append((argv, options))
        return SimpleNamespace(pid=4242)

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(subprocess, "STARTUPINFO", StartupInfo, raising=False)
    for name, value in {
        "CREATE_NO_WINDOW": CREATE_NO_WINDOW,
        "CREATE_NEW_PROCESS_GROUP": CREATE_NEW_PROCESS_GROUP,
        "STARTF_USESHOWWINDOW": STARTF_USESHOWWINDOW,
        "SW_HIDE": SW_HIDE,
    }.items():
        monkeypatch.setattr(subprocess, name, value, raising=False)
    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(subprocess, "Popen", popen)

    run_to_end(["python3", "-c", "probe"], timeout=15)  # an interpreter or pip probe
    handler = processes.start(["python3", "bootstrap.py"])  # a local invoke, pip
    processes.stop_tree(handler, kill=True)  # taskkill

    assert [argv[0] for argv, _options in started] == ["python3", "python3", "taskkill"]
    for _argv, options in started:
        assert options["creationflags"] & CREATE_NO_WINDOW
        assert options["startupinfo"].dwFlags & STARTF_USESHOWWINDOW
        assert options["startupinfo"].wShowWindow == SW_HIDE
    assert started[1][1]["creationflags"] & CREATE_NEW_PROCESS_GROUP
    assert started[2][0] == ["taskkill", "/F", "/T", "/PID", "4242"]


def test_only_the_processes_module_starts_processes() -> None:
    starting = re.compile(
        r"\bsubprocess\.(?:run|Popen|call|check_call|check_output)\(|os\.system\("
    )
    elsewhere = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "processes.py" and starting.search(path.read_text(encoding="utf-8"))
    ]
    assert elsewhere == []
