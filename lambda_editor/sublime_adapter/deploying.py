"""Deploy on save, "Lambda: Deploy Now", and what happens when AWS refuses a deploy."""

from __future__ import annotations

import os
from typing import Any, List, Optional

import sublime
import sublime_plugin

from ..compare import remote_diff
from ..deploy import DeployEvent, DeployQueue, DeployResult, deploy_workspace
from ..errors import LambdaEditorError, RemoteChangedError
from ..layout import METADATA_DIR
from ..pull import pull_function
from . import settings as package_settings
from .boto import boto3_ready
from .runtime import STATUS_KEY, on_ui, run_off_ui, status
from .windows import (
    bound_workspace,
    load_workspace,
    windows_of,
    workspace_of_window,
    workspace_root_of_view,
    workspace_root_of_window,
)
from .wording import worded

DIFF_SYNTAX = "Packages/Diff/Diff.sublime-syntax"

_queue: Optional[DeployQueue] = None


def start() -> None:
    global _queue  # noqa: PLW0603 - one queue per plugin host, created in plugin_loaded
    _queue = DeployQueue(_deploy, _on_deploy_event)


def stop() -> None:
    global _queue  # noqa: PLW0603
    _queue = None


def queue() -> DeployQueue:
    if _queue is None:
        start()
    assert _queue is not None
    return _queue


def _deploy(root: str, **options: Any) -> DeployResult:
    return deploy_workspace(root, exclude=package_settings.load_strict().exclude, **options)


def _on_deploy_event(event: DeployEvent) -> None:
    """Called on the deploy's worker thread: show it on the UI thread."""
    on_ui(lambda: _show_deploy_event(event))


def _show_deploy_event(event: DeployEvent) -> None:
    text = f"Lambda: {event.message if event.error is None else worded(event.error)}"
    for window in windows_of(event.root):
        for view in window.views():
            view.set_status(STATUS_KEY, text)
    sublime.status_message(text)
    if isinstance(event.error, RemoteChangedError):
        _ask_after_conflict(event.root, event.error)


def _conflict_choices() -> List[sublime.QuickPanelItem]:
    return [
        sublime.QuickPanelItem("Show what differs", "The deployed code (left) against your copy"),
        sublime.QuickPanelItem("Deploy anyway", "Overwrite the change made in AWS with your copy"),
        sublime.QuickPanelItem("Re-download", "Replace your copy; it is kept as a backup"),
        sublime.QuickPanelItem("Cancel", "Keep your edits; nothing is deployed"),
    ]


def _ask_after_conflict(root: str, error: RemoteChangedError) -> None:
    window = next(iter(windows_of(root)), sublime.active_window())

    def on_select(index: int) -> None:
        if index == 0:
            show_remote_diff(window, root)
        elif index == 1:
            queue().submit(root, force=True)
        elif index == 2:
            redownload(window, root)

    window.show_quick_panel(
        _conflict_choices(), on_select, placeholder=f"{error.message} What now?"
    )


def show_remote_diff(window: sublime.Window, root: str) -> None:
    exclude = package_settings.load().exclude

    def show(diff: str) -> None:
        view = window.new_file(syntax=DIFF_SYNTAX)
        view.set_name("Deployed ↔ local")
        view.set_scratch(True)
        view.run_command("append", {"characters": diff})
        view.set_read_only(True)

    run_off_ui(
        lambda: remote_diff(root, exclude),
        show,
        status="downloading the deployed code…",
        long_running=True,
    )


def redownload(window: sublime.Window, root: str) -> None:
    settings = package_settings.load()
    workspace = load_workspace(root)
    if workspace is None:
        return
    name = workspace.binding.function_arn

    def work() -> Optional[str]:
        result = pull_function(
            workspace.binding.target,
            name,
            package_settings.workspace_root(settings),
            destination=root,
            exclude=settings.exclude,
            keep_backup=True,
        )
        return result.backup

    def done(backup: Optional[str]) -> None:
        kept = f"; your copy is in {backup}" if backup else ""
        status(f"re-downloaded {workspace.binding.function_name}{kept}")

    run_off_ui(
        work, done, status=f"re-downloading {workspace.binding.function_name}…", long_running=True
    )


class LambdaDeployNowCommand(sublime_plugin.WindowCommand):
    """Deploy the window's workspace now (also retries a failed deploy)."""

    def is_enabled(self) -> bool:
        return workspace_root_of_window(self.window) is not None

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is not None and boto3_ready(self.window):
            queue().submit(workspace.root)


class LambdaShowRemoteDiffCommand(sublime_plugin.WindowCommand):
    """Show what differs between the workspace and the code deployed in AWS."""

    def is_enabled(self) -> bool:
        return workspace_root_of_window(self.window) is not None

    def run(self) -> None:
        workspace = workspace_of_window(self.window)
        if workspace and boto3_ready(self.window):
            show_remote_diff(self.window, workspace.root)


class LambdaDeployOnSaveListener(sublime_plugin.EventListener):
    def on_post_save_async(self, view: sublime.View) -> None:
        root = workspace_root_of_view(view)
        if root is None or _is_metadata(root, view.file_name() or ""):
            return
        try:
            if not package_settings.load_strict().deploy_on_save:
                return
        except LambdaEditorError as error:
            status(f"not deployed: {worded(error)}")
            return
        if boto3_ready(view.window() or sublime.active_window(), ask=False):
            queue().submit(root)


def _is_metadata(root: str, file_name: str) -> bool:
    """Test events and the marker live in the workspace but are never deployed."""
    return os.path.relpath(file_name, root).split(os.sep)[0] == METADATA_DIR


__all__: List[str] = [
    "LambdaDeployNowCommand",
    "LambdaDeployOnSaveListener",
    "LambdaShowRemoteDiffCommand",
]
