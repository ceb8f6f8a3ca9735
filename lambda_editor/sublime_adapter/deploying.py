"""Deploy on save (of the function's files and of its configuration file), "Lambda: Deploy Now",
and what happens when AWS refuses a deploy.

Deploys run on the deploy queue's own threads. The settings a deploy needs are read on the UI
thread when it is asked for, and handed over as values.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Dict, List, Optional

import sublime
import sublime_plugin

from ..compare import remote_diff
from ..deploy import DeployEvent, DeployQueue, DeployResult, deploy_workspace
from ..errors import LambdaEditorError, RemoteChangedError
from ..layout import CONFIGURATION_FILE, METADATA_DIR
from ..pull import pull_function
from ..settings import Settings
from . import quick_panel
from . import settings as package_settings
from .boto import boto3_ready
from .panels import show_diff
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

_queue: Optional[DeployQueue] = None
_settings: Dict[str, Settings] = {}  # per workspace: the settings of its latest request
_settings_lock = threading.Lock()
# Workspaces whose last deploy was refused because of a remote change: the user has to choose.
_conflicts: Dict[str, RemoteChangedError] = {}


def start() -> None:
    global _queue  # noqa: PLW0603 - one queue per plugin host, created in plugin_loaded
    _queue = DeployQueue(_deploy, _on_deploy_event)


def stop() -> None:
    """Deploys already running finish (an upload is never cut short); their events are dropped."""
    global _queue  # noqa: PLW0603
    _queue = None
    _conflicts.clear()


def queue() -> DeployQueue:
    if _queue is None:
        start()
    assert _queue is not None
    return _queue


def submit(window: Optional[sublime.Window], root: str, force: bool = False) -> None:
    """Deploy the workspace (on the UI thread: the settings are read here)."""
    try:
        settings = package_settings.load_strict()
    except LambdaEditorError as error:
        status(window, f"not deployed: {worded(error)}")
        return
    with _settings_lock:
        _settings[root] = settings
    queue().submit(root, force=force)


def submit_from_worker(window: sublime.Window) -> Callable[[str], None]:
    """The deploy step of a sequence running on a worker: submitted on the UI thread."""
    return lambda root: on_ui(lambda: submit(window, root))


def _deploy(root: str, **options: Any) -> DeployResult:
    with _settings_lock:
        settings = _settings.get(root, Settings())
    return deploy_workspace(
        root,
        exclude=settings.exclude,
        history_limits=settings.history_limits,
        s3=settings.s3,
        **options,
    )


def _on_deploy_event(event: DeployEvent) -> None:
    """Called on the deploy's worker thread: show it on the UI thread."""
    on_ui(lambda: _show_deploy_event(event))


def _show_deploy_event(event: DeployEvent) -> None:
    text = f"Lambda: {event.message if event.error is None else worded(event.error)}"
    if isinstance(event.error, RemoteChangedError):
        _conflicts[event.root] = event.error
        text += ' Run "Lambda: Deploy Now" to choose what to do.'
    elif event.kind == "finished":
        _conflicts.pop(event.root, None)
    windows = windows_of(event.root)
    for window in windows:
        for view in window.views():
            view.set_status(STATUS_KEY, text)
        window.status_message(text)
    if isinstance(event.error, RemoteChangedError):
        window = next(iter(windows), sublime.active_window())
        quick_panel.when_closed(window, lambda: ask_after_conflict(window, event.root))


def _conflict_choices() -> List[sublime.QuickPanelItem]:
    return [
        sublime.QuickPanelItem("Show what differs", "The deployed code (left) against your copy"),
        sublime.QuickPanelItem("Deploy anyway", "Overwrite the change made in AWS with your copy"),
        sublime.QuickPanelItem("Re-download", "Replace your copy; it is kept as a backup"),
        sublime.QuickPanelItem("Cancel", "Keep your edits; nothing is deployed"),
    ]


def ask_after_conflict(window: sublime.Window, root: str) -> None:
    """What to do about a deploy refused because the function changed in AWS.

    The question stays open until answered: "Lambda: Deploy Now" asks it again.
    """
    error = _conflicts.get(root)
    if error is None:
        return

    def on_select(index: int) -> None:
        if index == 0:
            show_remote_diff(window, root)
        elif index == 1:
            _conflicts.pop(root, None)
            submit(window, root, force=True)
        elif index == 2:
            _conflicts.pop(root, None)
            redownload(window, root)

    quick_panel.show(
        window, _conflict_choices(), on_select, placeholder=f"{error.message} What now?"
    )


def show_remote_diff(window: sublime.Window, root: str) -> None:
    exclude = package_settings.load().exclude
    run_off_ui(
        lambda: remote_diff(root, exclude),
        lambda diff: show_diff(window, "Deployed ↔ local", diff),
        window=window,
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
            history_limits=settings.history_limits,
        )
        return result.backup

    def done(backup: Optional[str]) -> None:
        kept = f"; your copy is in {backup}" if backup else ""
        status(window, f"re-downloaded {workspace.binding.function_name}{kept}")

    run_off_ui(
        work,
        done,
        window=window,
        status=f"re-downloading {workspace.binding.function_name}…",
        long_running=True,
    )


class LambdaDeployNowCommand(sublime_plugin.WindowCommand):
    """Deploy the window's workspace now (also retries a failed deploy); after a deploy refused
    because of a remote change, ask what to do about it."""

    def is_enabled(self) -> bool:
        return workspace_root_of_window(self.window) is not None

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None or not boto3_ready(self.window):
            return
        if workspace.root in _conflicts:
            ask_after_conflict(self.window, workspace.root)
        else:
            submit(self.window, workspace.root)


class LambdaShowRemoteDiffCommand(sublime_plugin.WindowCommand):
    """Show what differs between the workspace and the code deployed in AWS."""

    def is_enabled(self) -> bool:
        return workspace_root_of_window(self.window) is not None

    def run(self) -> None:
        workspace = workspace_of_window(self.window)
        if workspace and boto3_ready(self.window):
            show_remote_diff(self.window, workspace.root)


class LambdaDeployOnSaveListener(sublime_plugin.EventListener):
    def on_post_save(self, view: sublime.View) -> None:
        """Only hands the deploy over: it runs on the deploy queue's threads."""
        root = workspace_root_of_view(view)
        if root is None or not _deploys(root, view.file_name() or ""):
            return
        window = view.window()
        try:
            if not package_settings.load_strict().deploy_on_save:
                return
        except LambdaEditorError as error:
            status(window, f"not deployed: {worded(error)}")
            return
        if boto3_ready(window or sublime.active_window(), ask=False):
            submit(window, root)


def _deploys(root: str, file_name: str) -> bool:
    """Whether saving the file deploys: the function's files and its configuration file do;
    test events, results and the marker live in the workspace but are never deployed."""
    relative = os.path.relpath(file_name, root)
    return relative.split(os.sep)[0] != METADATA_DIR or os.path.normcase(relative) == (
        os.path.normcase(os.path.join(METADATA_DIR, CONFIGURATION_FILE))
    )


__all__: List[str] = [
    "LambdaDeployNowCommand",
    "LambdaDeployOnSaveListener",
    "LambdaShowRemoteDiffCommand",
]
