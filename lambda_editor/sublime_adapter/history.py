"""'Lambda: Show Deploy History': the zips deployed from the window's workspace; pick one to
compare it with your files or to roll back to it."""

from __future__ import annotations

import os
from typing import List

import sublime
import sublime_plugin

from ..errors import LambdaEditorError
from ..rollback import HistoryItem, RollbackOutcome, entry_diff, history_items, rollback
from ..units import format_size
from . import deploying
from . import settings as package_settings
from .panels import show_diff
from .pickers import Action, choose, choose_action
from .runtime import on_ui, run_off_ui, show_error, status
from .windows import bound_workspace, workspace_root_of_window
from .wording import worded


class LambdaShowDeployHistoryCommand(sublime_plugin.WindowCommand):
    def is_enabled(self) -> bool:
        return workspace_root_of_window(self.window) is not None

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None:
            return
        root, name = workspace.root, workspace.binding.function_name
        run_off_ui(
            lambda: history_items(root),
            lambda items: self._pick(root, name, items),
            window=self.window,
            status=f"reading the deploy history of {name}…",
        )

    def _pick(self, root: str, name: str, items: List[HistoryItem]) -> None:
        if not items:
            status(self.window, f"no deploy history of {name} yet: it starts with a download")
            return
        choose(
            self.window,
            [_panel_item(item) for item in items],
            lambda index: self._act(root, name, items[index]),
            f"Deploy history of {name}",
        )

    def _act(self, root: str, name: str, item: HistoryItem) -> None:
        actions: List[Action] = [
            (
                "Show what differs from your files",
                f"The {item.entry.kind} files (left), yours",
                lambda: self._diff(root, item),
            ),
            (
                "Roll back to this…",
                "Restore these files (yours kept in a backup), then deploy",
                lambda: self._roll_back(root, name, item),
            ),
        ]
        choose_action(self.window, actions, f"{item.when}, {item.entry.kind}")

    def _diff(self, root: str, item: HistoryItem) -> None:
        exclude = package_settings.load().exclude
        run_off_ui(
            lambda: entry_diff(root, item.entry, exclude),
            lambda diff: show_diff(self.window, f"History {item.when} ↔ local", diff),
            window=self.window,
            status="comparing…",
        )

    def _roll_back(self, root: str, name: str, item: HistoryItem) -> None:
        unsaved = [
            os.path.relpath(view.file_name() or "", root)
            for view in self.window.views()
            if view.is_dirty() and (view.file_name() or "").startswith(os.path.join(root, ""))
        ]
        if unsaved:
            show_error(
                LambdaEditorError(
                    f"{name} was not rolled back: {', '.join(unsaved)} has unsaved changes.",
                    "Save or revert them first.",
                )
            )
            return
        if not sublime.ok_cancel_dialog(
            f"Roll back {name} to the files {item.entry.kind} {item.when}?\n\n"
            "The files it replaces or removes are kept in a backup folder first; then the "
            "function is deployed, refused if someone changed it in AWS since. The "
            "configuration stays as it is.",
            "Roll Back",
        ):
            return
        try:
            exclude = package_settings.load_strict().exclude
        except LambdaEditorError as error:
            status(self.window, f"not rolled back: {worded(error)}")
            return
        window = self.window

        def restored(outcome: RollbackOutcome) -> None:
            on_ui(lambda: status(window, f"{name}: {outcome.describe()}"))

        deploy = deploying.submit_from_worker(window)
        run_off_ui(
            lambda: rollback(
                root, item.entry, exclude=exclude, deploy=deploy, on_restored=restored
            ),
            _ignore,
            window=window,
            status=f"rolling {name} back to {item.when}…",
            long_running=True,
        )


def _panel_item(item: HistoryItem) -> sublime.QuickPanelItem:
    entry = item.entry
    details = [item.what_changed or "no change", f"CodeSha256 {entry.code_sha256}"]
    annotation = "deployed now" if item.deployed_now else f"#{item.number}"
    trigger = f"{item.when} · {entry.kind} · {format_size(entry.size)}"
    return sublime.QuickPanelItem(trigger, details, annotation, sublime.KIND_SNIPPET)


def _ignore(_outcome: RollbackOutcome) -> None:
    """What the rollback did was told when the files were restored; the deploy tells the rest."""


__all__ = ["LambdaShowDeployHistoryCommand"]
