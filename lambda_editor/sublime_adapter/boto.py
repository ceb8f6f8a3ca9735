"""boto3 in Sublime's plugin host: checking for it and "Lambda: Install boto3"."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import threading
from typing import List, Optional

import sublime
import sublime_plugin

from .. import boto_install
from ..aws import boto3_import_error
from . import settings as package_settings
from .panels import OutputPanel
from .runtime import on_ui, status


def boto3_ready(window: sublime.Window, ask: bool = True) -> bool:
    """True when boto3 imports; otherwise say so and (if `ask`) offer to install it."""
    problem = boto3_import_error()
    if problem is None:
        return True
    if not ask:
        status('boto3 is not installed: run "Lambda: Install boto3".')
        return False
    if sublime.ok_cancel_dialog(
        "Lambda Editor needs boto3, which is not installed for Sublime Text's Python "
        f"({problem}).\n\nInstall it now with your Python's pip?",
        "Install boto3",
    ):
        window.run_command("lambda_install_boto3")
    return False


class LambdaInstallBoto3Command(sublime_plugin.WindowCommand):
    """pip-installs boto3 and its libraries into the plugin host's library folder."""

    def run(self) -> None:
        interpreter = _interpreter()
        if interpreter is None:
            sublime.error_message(
                "Lambda Editor\n\nNo Python 3 with pip was found on PATH.\n\n"
                'Install Python 3, or set "python_interpreter" in the Lambda Editor settings.'
            )
            return
        target = boto_install.library_folder(
            sys.path, sublime.packages_path(), (sys.version_info[0], sys.version_info[1])
        )
        command = boto_install.pip_command(interpreter, target, sys.version_info[:2])  # type: ignore[arg-type]
        panel = OutputPanel(self.window).clear()
        panel.append(f"Installing boto3 into {target}\n$ {' '.join(command)}\n\n")
        panel.show()
        status("installing boto3…")
        threading.Thread(target=_install, args=(command, panel), daemon=True).start()


def _interpreter() -> Optional[str]:
    configured = package_settings.load().python_interpreter
    return configured or shutil.which("python3") or shutil.which("python")


def _install(command: List[str], panel: OutputPanel) -> None:
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
    except OSError as exc:
        on_ui(lambda: panel.append(f"\nCould not start pip: {exc}\n"))
        return
    assert process.stdout is not None
    for line in process.stdout:
        on_ui(lambda line=line: panel.append(line))  # type: ignore[misc]
    on_ui(lambda: _finish(panel, process.wait()))


def _finish(panel: OutputPanel, returncode: int) -> None:
    if returncode != 0:
        panel.append("\npip failed: boto3 was not installed. See its output above.\n")
        status("installing boto3 failed")
        return
    importlib.invalidate_caches()
    if boto3_import_error() is None:
        panel.append("\nboto3 is installed and ready.\n")
        status("boto3 is installed")
        return
    panel.append("\nboto3 is installed. Restart Sublime Text to load it.\n")
    sublime.ok_cancel_dialog("boto3 is installed. Restart Sublime Text to load it.", "OK")
