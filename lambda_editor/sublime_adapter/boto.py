"""boto3 in Sublime's plugin host: checking for it and "Lambda: Install boto3"."""

from __future__ import annotations

import importlib
import sys
import threading
from typing import Optional, Tuple

import sublime
import sublime_plugin

from .. import boto_install
from ..aws import boto3_import_error
from ..errors import LambdaEditorError, explain
from ..interpreters import pick_interpreter
from ..pip_platform import pip_environment
from ..processes import run_streaming
from . import settings as package_settings
from .panels import PIP_PANEL, OutputPanel
from .runtime import on_ui, status
from .wording import worded


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


_installing = threading.Event()  # one pip run into the library folder at a time


class LambdaInstallBoto3Command(sublime_plugin.WindowCommand):
    """pip-installs boto3 and its libraries into the plugin host's library folder."""

    def run(self) -> None:
        if _installing.is_set():
            status("boto3 is being installed: see the panel")
            return
        _installing.set()
        version = (sys.version_info[0], sys.version_info[1])
        folder = boto_install.library_folder(sys.path, sublime.packages_path(), version)
        panel = OutputPanel(self.window, PIP_PANEL).clear()
        panel.show()
        if folder.warning:
            panel.append(folder.warning + "\n")
        status("installing boto3…")
        configured = package_settings.load().python_interpreter
        threading.Thread(
            target=_install, args=(configured, folder.path, version, panel), daemon=True
        ).start()


def _install(
    configured: Optional[str], target: str, version: Tuple[int, int], panel: OutputPanel
) -> None:
    def show(line: str) -> None:
        on_ui(lambda: panel.append(line + "\n"))

    try:
        boto_install.require_writable(target)
        # pip decides version-dependent requirements with its own Python: prefer the host's.
        interpreter = pick_interpreter(configured, f"python{version[0]}.{version[1]}")
        command = boto_install.pip_command(interpreter.path, target, version)
        show(f"Installing boto3 into {target}\n$ {' '.join(command)}\n")
        returncode = run_streaming(command, show, env=pip_environment())
    except Exception as exc:  # every failure ends in the panel, as a message
        error = explain(exc, "install boto3")
        on_ui(lambda: _finish(panel, None, error))
        return
    on_ui(lambda: _finish(panel, returncode))


def _finish(
    panel: OutputPanel, returncode: Optional[int], error: Optional[LambdaEditorError] = None
) -> None:
    _installing.clear()
    if error is not None or returncode != 0:
        failure = worded(error) if error else "pip failed: boto3 was not installed. See above."
        panel.append(f"\n{failure}\n")
        status("installing boto3 failed")
        return
    already_loaded = "boto3" in sys.modules  # an upgrade: the old one stays until a restart
    importlib.invalidate_caches()
    if not already_loaded and boto3_import_error() is None:
        panel.append("\nboto3 is installed and ready.\n")
        status("boto3 is installed")
        return
    panel.append("\nboto3 is installed. Restart Sublime Text to load it.\n")
    sublime.message_dialog("boto3 is installed. Restart Sublime Text to load it.")
