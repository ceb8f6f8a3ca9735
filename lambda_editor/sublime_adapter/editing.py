"""Picking a function and opening its code: "Lambda: Edit Function…", "Lambda: Open Workspace…"."""

from __future__ import annotations

import threading
from typing import Callable, Dict, List, Optional, Tuple

import sublime
import sublime_plugin

from ..errors import LambdaEditorError
from ..functions import FunctionSummary, list_functions
from ..packaging.manifest import ManifestDiff
from ..pull import PullResult, pull_function, undeployed_changes, workspace_for_arn
from ..settings import Settings
from ..units import format_size
from ..workspace import Workspace, list_workspaces
from . import settings as package_settings
from .boto import boto3_ready
from .runtime import run_off_ui, status
from .windows import open_workspace_window

CacheKey = Tuple[Optional[str], Optional[str], Optional[str]]

# The function list per profile, region and endpoint: the panel opens from it at once.
_function_lists: Dict[CacheKey, List[FunctionSummary]] = {}
_function_lists_lock = threading.Lock()


def forget_function_lists() -> None:
    with _function_lists_lock:
        _function_lists.clear()


def _cache_key(settings: Settings) -> CacheKey:
    target = settings.target
    return (target.profile, target.region, target.endpoint_url)


def _fetch_function_list(settings: Settings) -> List[FunctionSummary]:
    functions = list_functions(settings.target)
    with _function_lists_lock:
        _function_lists[_cache_key(settings)] = functions
    return functions


def _quick_panel_item(function: FunctionSummary) -> sublime.QuickPanelItem:
    details = function.description or function.arn
    annotation = f"{function.runtime or function.package_type} · {function.architecture}"
    return sublime.QuickPanelItem(
        function.name,
        [details, f"{format_size(function.code_size)} · modified {function.last_modified[:19]}"],
        annotation,
        sublime.KIND_FUNCTION,
    )


def pick_function(
    window: sublime.Window, settings: Settings, on_pick: Callable[[FunctionSummary], None]
) -> None:
    """The function list in a quick panel: from the cache at once (refreshed behind it), or
    loaded off the UI thread the first time."""
    with _function_lists_lock:
        cached = _function_lists.get(_cache_key(settings))
    if cached is not None:
        _show_functions(window, settings, cached, on_pick)
        run_off_ui(lambda: _fetch_function_list(settings), _ignore, on_error=_ignore)
        return
    run_off_ui(
        lambda: _fetch_function_list(settings),
        lambda functions: _show_functions(window, settings, functions, on_pick),
        status=f"loading functions ({settings.target.describe()})…",
    )


def _show_functions(
    window: sublime.Window,
    settings: Settings,
    functions: List[FunctionSummary],
    on_pick: Callable[[FunctionSummary], None],
) -> None:
    if not functions:
        status(f"no functions in {settings.target.describe()}")
        return

    def on_select(index: int) -> None:
        if index >= 0:
            on_pick(functions[index])

    window.show_quick_panel(
        [_quick_panel_item(function) for function in functions],
        on_select,
        placeholder=f"Pick a function ({settings.target.describe()})",
    )


def _ignore(_value: object) -> None:
    """A background refresh of a list already shown fails quietly; the next one retries."""


class LambdaEditFunctionCommand(sublime_plugin.WindowCommand):
    """Lists the account's functions; the one picked opens in its own window."""

    def run(self) -> None:
        if not boto3_ready(self.window):
            return
        settings = package_settings.load()
        pick_function(self.window, settings, lambda function: self._open(settings, function))

    def _open(self, settings: Settings, function: FunctionSummary) -> None:
        if function.package_type != "Zip":
            sublime.message_dialog(
                f"{function.name} is a container-image function: it cannot be edited as code."
            )
            return
        root = workspace_for_arn(package_settings.workspace_root(settings), function.arn)
        run_off_ui(
            lambda: undeployed_changes(root, settings.exclude),
            lambda changes: self._decide(settings, function, changes),
            on_error=lambda error: self._damaged(settings, function, error),
        )

    def _damaged(
        self, settings: Settings, function: FunctionSummary, error: LambdaEditorError
    ) -> None:
        """A workspace that cannot be read (a damaged marker) can still be replaced, kept aside."""
        if sublime.ok_cancel_dialog(
            f"{error.message}\n\nRe-download {function.name}? The folder is kept as a backup.",
            "Re-download",
        ):
            _pull(self.window, settings, function.name, keep_backup=True)

    def _decide(
        self, settings: Settings, function: FunctionSummary, changes: Optional[ManifestDiff]
    ) -> None:
        """A workspace with undeployed changes is never overwritten silently: ask.

        Without such changes the workspace is (re)downloaded, so it holds what is deployed now.
        """
        if not changes:
            _pull(self.window, settings, function.name, keep_backup=False)
            return
        choice = sublime.yes_no_cancel_dialog(
            f"The workspace of {function.name} holds changes that were never deployed:\n"
            f"{changes.summary()}.\n\nOpen it as it is, or re-download the function "
            "(your local copy is kept as a backup)?",
            "Open As It Is",
            "Re-download",
        )
        root = workspace_for_arn(package_settings.workspace_root(settings), function.arn)
        if choice == sublime.DIALOG_YES:
            open_workspace_window(Workspace.load(root))
        elif choice == sublime.DIALOG_NO:
            _pull(self.window, settings, function.name, keep_backup=True)


def _pull(window: sublime.Window, settings: Settings, name: str, keep_backup: bool) -> None:
    def work() -> PullResult:
        return pull_function(
            settings.target,
            name,
            package_settings.workspace_root(settings),
            exclude=settings.exclude,
            keep_backup=keep_backup,
            on_progress=status,
        )

    def done(result: PullResult) -> None:
        open_workspace_window(result.workspace)
        note = f"; your previous copy is in {result.backup}" if result.backup else ""
        status(f"{result.workspace.binding.function_name} downloaded{note}")

    run_off_ui(work, done, status=f"downloading {name}…", long_running=True)


class LambdaOpenWorkspaceCommand(sublime_plugin.WindowCommand):
    """Reopens a workspace downloaded before, as it is on disk."""

    def run(self) -> None:
        root = package_settings.workspace_root(package_settings.load())
        run_off_ui(lambda: list_workspaces(root), self._show)

    def _show(self, workspaces: List[Workspace]) -> None:
        if not workspaces:
            status('no workspaces yet: use "Lambda: Edit Function…"')
            return

        def on_select(index: int) -> None:
            if index >= 0:
                open_workspace_window(workspaces[index])

        self.window.show_quick_panel(
            [
                sublime.QuickPanelItem(
                    ws.binding.function_name,
                    ws.root,
                    f"{ws.binding.region} · {ws.binding.account}",
                    sublime.KIND_FUNCTION,
                )
                for ws in workspaces
            ],
            on_select,
            placeholder="Open a workspace",
        )


__all__ = ["LambdaEditFunctionCommand", "LambdaOpenWorkspaceCommand"]
