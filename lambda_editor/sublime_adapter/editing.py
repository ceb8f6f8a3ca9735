"""Picking a function and opening its code: "Lambda: Edit Function…", "Lambda: Open Workspace…"."""

from __future__ import annotations

import os
import threading
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import sublime
import sublime_plugin

from ..earlier_workspaces import earlier_workspace_of, earlier_workspaces
from ..errors import LambdaEditorError
from ..functions import FunctionSummary, list_functions
from ..packaging.manifest import ManifestDiff
from ..pull import PullResult, pull_function, undeployed_changes, workspace_for_arn
from ..settings import Settings
from ..swap import recover_swaps_under
from ..units import format_size
from ..workspace import Workspace, list_workspaces
from . import quick_panel
from . import settings as package_settings
from .boto import boto3_ready
from .runtime import on_ui, run_off_ui, status
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
        run_off_ui(lambda: _fetch_function_list(settings), _ignore, window=window, on_error=_ignore)
        return
    run_off_ui(
        lambda: _fetch_function_list(settings),
        lambda functions: _show_functions(window, settings, functions, on_pick),
        window=window,
        status=f"loading functions ({settings.target.describe()})…",
    )


def _show_functions(
    window: sublime.Window,
    settings: Settings,
    functions: List[FunctionSummary],
    on_pick: Callable[[FunctionSummary], None],
) -> None:
    if not functions:
        status(window, f"no functions in {settings.target.describe()}")
        return

    def on_select(index: int) -> None:
        if index >= 0:
            on_pick(functions[index])

    quick_panel.show(
        window,
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
        sublime_cache = sublime.cache_path()

        def changes_in_workspace() -> Tuple[str, Optional[ManifestDiff]]:
            """A workspace an earlier version kept in a cache folder is used where it is."""
            found = root
            if not os.path.isdir(root):
                found = earlier_workspace_of(function.arn, sublime_cache) or root
            return found, undeployed_changes(found, settings.exclude)

        run_off_ui(
            changes_in_workspace,
            lambda found: self._decide(settings, function, *found),
            window=self.window,
            on_error=lambda error: self._damaged(settings, function, root, error),
        )

    def _damaged(
        self, settings: Settings, function: FunctionSummary, root: str, error: LambdaEditorError
    ) -> None:
        """A workspace that cannot be read (a damaged marker) can still be replaced, kept aside."""
        if sublime.ok_cancel_dialog(
            f"{error.message}\n\nRe-download {function.name}? The folder is kept as a backup.",
            "Re-download",
        ):
            _pull(self.window, settings, function.name, root, keep_backup=True)

    def _decide(
        self,
        settings: Settings,
        function: FunctionSummary,
        root: str,
        changes: Optional[ManifestDiff],
    ) -> None:
        """A workspace with undeployed changes is never overwritten silently: ask.

        Without such changes the workspace is (re)downloaded, so it holds what is deployed now.
        """
        if not changes:
            _pull(self.window, settings, function.name, root, keep_backup=False)
            return
        choice = sublime.yes_no_cancel_dialog(
            f"The workspace of {function.name} holds changes that were never deployed:\n"
            f"{changes.summary()}.\n\nOpen it as it is, or re-download the function "
            "(your local copy is kept as a backup)?",
            "Open As It Is",
            "Re-download",
        )
        if choice == sublime.DIALOG_YES:
            open_workspace_window(Workspace.load(root))
        elif choice == sublime.DIALOG_NO:
            _pull(self.window, settings, function.name, root, keep_backup=True)


def _pull(
    window: sublime.Window, settings: Settings, name: str, root: str, keep_backup: bool
) -> None:
    def work() -> PullResult:
        return pull_function(
            settings.target,
            name,
            package_settings.workspace_root(settings),
            destination=root,
            exclude=settings.exclude,
            keep_backup=keep_backup,
            on_progress=lambda text: on_ui(lambda: status(window, text)),
            history_limits=settings.history_limits,
        )

    def done(result: PullResult) -> None:
        open_workspace_window(result.workspace)
        note = f"; your previous copy is in {result.backup}" if result.backup else ""
        status(window, f"{result.workspace.binding.function_name} downloaded{note}")
        tell(result.notices)

    run_off_ui(work, done, window=window, status=f"downloading {name}…", long_running=True)


class LambdaOpenWorkspaceCommand(sublime_plugin.WindowCommand):
    """Reopens a workspace downloaded before, as it is on disk."""

    def run(self) -> None:
        root = package_settings.workspace_root(package_settings.load())
        sublime_cache = sublime.cache_path()

        def listing() -> Tuple[List[str], List[Workspace], List[Workspace]]:
            # A workspace a killed re-download left moved aside is put back before listing.
            notices = recover_swaps_under(root)
            return notices, list_workspaces(root), earlier_workspaces(sublime_cache)

        run_off_ui(listing, lambda found: self._show(*found), window=self.window)

    def _show(
        self, notices: List[str], workspaces: List[Workspace], earlier: List[Workspace]
    ) -> None:
        tell(notices)
        """The workspaces, then those an earlier version kept in a cache folder."""
        if not workspaces and not earlier:
            status(self.window, 'no workspaces yet: use "Lambda: Edit Function…"')
            return
        listed = [*workspaces, *earlier]

        def on_select(index: int) -> None:
            if index >= 0:
                open_workspace_window(listed[index])

        def item(workspace: Workspace, where: str) -> sublime.QuickPanelItem:
            binding = workspace.binding
            return sublime.QuickPanelItem(
                binding.function_name,
                [workspace.root, where] if where else workspace.root,
                f"{binding.region} · {binding.account}",
                sublime.KIND_FUNCTION,
            )

        quick_panel.show(
            self.window,
            [item(ws, "") for ws in workspaces]
            + [item(ws, "kept where an earlier version put it") for ws in earlier],
            on_select,
            placeholder="Open a workspace",
        )


def tell(notices: Sequence[str]) -> None:
    """What the user must know after a download or a recovery, which a fading status would hide."""
    if notices:
        sublime.message_dialog("Lambda Editor\n\n" + "\n\n".join(notices))


__all__ = ["LambdaEditFunctionCommand", "LambdaOpenWorkspaceCommand"]
