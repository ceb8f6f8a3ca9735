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
from ..errors import explain
from ..pip_platform import find_interpreter, pip_environment, run_streaming
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
        version = (sys.version_info[0], sys.version_info[1])
        target = boto_install.library_folder(sys.path, sublime.packages_path(), version)
        panel = OutputPanel(self.window).clear()
        panel.show()
        status("installing boto3…")
        configured = package_settings.load().python_interpreter
        threading.Thread(
            target=_install, args=(configured, target, version, panel), daemon=True
        ).start()


def _install(
    configured: Optional[str], target: str, version: Tuple[int, int], panel: OutputPanel
) -> None:
    def show(line: str) -> None:
        on_ui(lambda: panel.append(line + "\n"))

    try:
        boto_install.require_writable(target)
        command = boto_install.pip_command(find_interpreter(configured), target, version)
        show(f"Installing boto3 into {target}\n$ {' '.join(command)}\n")
        returncode = run_streaming(command, show, env=pip_environment())
    except Exception as exc:  # every failure ends in the panel, as a message
        error = explain(exc, "install boto3")
        on_ui(lambda: panel.append(f"\n{error}\n"))
        return
    on_ui(lambda: _finish(panel, returncode))


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
    sublime.message_dialog("boto3 is installed. Restart Sublime Text to load it.")
