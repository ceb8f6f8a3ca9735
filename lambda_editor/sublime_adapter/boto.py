"""boto3 in Sublime's plugin host: checking for it and "Lambda: Install boto3"."""

from __future__ import annotations

import importlib
import sys
import threading
from typing import List

import sublime
import sublime_plugin

from .. import boto_install
from ..errors import LambdaEditorError
from ..interpreters import pick_interpreter
from . import settings as package_settings
from .panels import PIP_PANEL, OutputPanel
from .runtime import on_ui, run_off_ui, status
from .wording import worded


def boto3_ready(window: sublime.Window, ask: bool = True) -> bool:
    """True when boto3 and what it needs can be imported; otherwise say what to do."""
    missing = boto_install.missing_libraries()
    if not missing:
        return True
    if not missing.own:
        note = boto_install.channel_note(missing) or ""
        status(window, note)
        if ask:
            sublime.message_dialog(f"Lambda Editor: {note}")
        return False
    if not ask:
        status(window, 'boto3 is not installed: run "Lambda: Install boto3".')
        return False
    if sublime.ok_cancel_dialog(
        "Lambda Editor needs boto3, which is not installed for Sublime Text's Python "
        f"(missing: {missing.describe()}).\n\nInstall it now with your Python's pip?",
        "Install boto3",
    ):
        window.run_command("lambda_install_boto3")
    return False


_installing = threading.Event()  # one pip run into the library folder at a time


class LambdaInstallBoto3Command(sublime_plugin.WindowCommand):
    """pip-installs boto3, botocore and s3transfer into the plugin host's library folder."""

    def run(self) -> None:
        if _installing.is_set():
            status(self.window, "boto3 is being installed: see the panel")
            return
        _installing.set()
        host = boto_install.plugin_host(sublime.packages_path(), sys.version_info[:2], sys.path)
        configured = package_settings.load().python_interpreter
        panel = OutputPanel(self.window, PIP_PANEL).clear()
        panel.show()
        panel.append(f"Installing boto3 for {host.describe()} into {host.library_folder}\n")
        if not host.on_sys_path:
            panel.append(
                f"Note: {host.library_folder} is not on the plugin host's sys.path: Sublime Text "
                'may not load boto3 from it. See "Installing boto3" in the README.\n'
            )
        window = self.window

        def show_line(line: str) -> None:
            on_ui(lambda: panel.append(line + "\n"))

        def install() -> List[str]:
            # pip decides version-dependent requirements with its own Python: prefer the host's.
            python = pick_interpreter(configured, f"python{host.version[0]}.{host.version[1]}")
            return boto_install.install_boto3(host, python.path, show_line)

        run_off_ui(
            install,
            lambda installed: _installed(window, panel, installed),
            window=window,
            status="installing boto3…",
            on_error=lambda error: _failed(window, panel, error),
            long_running=True,
        )


def _failed(window: sublime.Window, panel: OutputPanel, error: LambdaEditorError) -> None:
    _installing.clear()
    panel.append(f"\n{worded(error)}\n")
    status(window, "installing boto3 failed")


def _installed(window: sublime.Window, panel: OutputPanel, installed: List[str]) -> None:
    _installing.clear()
    panel.append(f"\nInstalled {', '.join(installed)}.\n")
    importlib.invalidate_caches()
    missing = boto_install.missing_libraries()
    note = boto_install.channel_note(missing)
    if note:
        panel.append(f"{note}\n")
        status(window, note)
        return
    if "boto3" not in sys.modules and not missing:  # else an upgrade: the old one stays loaded
        panel.append("boto3 is ready.\n")
        status(window, "boto3 is installed")
        return
    panel.append("Restart Sublime Text to load it.\n")
    sublime.message_dialog("boto3 is installed. Restart Sublime Text to load it.")
