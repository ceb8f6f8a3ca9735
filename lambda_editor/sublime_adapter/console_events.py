"""The Lambda console's shareable test events: "Lambda: Import Console Test Events" and
"Lambda: Share Test Event…"."""

from __future__ import annotations

import sublime
import sublime_plugin

from ..console_events import (
    PRIVATE_EVENTS_NOTE,
    ImportResult,
    ShareResult,
    import_console_events,
    share_event,
)
from ..events import EventStore
from . import quick_panel
from .boto import boto3_ready
from .panels import OutputPanel
from .runtime import run_off_ui, status
from .windows import bound_workspace


class LambdaImportConsoleTestEventsCommand(sublime_plugin.WindowCommand):
    """Copy the console's shareable test events of the window's function into its workspace."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None or not boto3_ready(self.window):
            return
        binding = workspace.binding
        store = EventStore.for_workspace(workspace)
        run_off_ui(
            lambda: import_console_events(binding.target, binding.function_name, store),
            lambda result: self._report(binding.function_name, result),
            window=self.window,
            status=f"reading the console's test events of {binding.function_name}…",
            long_running=True,
        )

    def _report(self, name: str, result: ImportResult) -> None:
        panel = OutputPanel(self.window).clear()
        panel.append(f"Console test events of {name}: {result.summary()}.\n")
        panel.append(f"\n{PRIVATE_EVENTS_NOTE}\n")
        panel.show()
        status(self.window, f"{len(result.imported)} console test events imported")


class LambdaShareTestEventCommand(sublime_plugin.WindowCommand):
    """Publish one of the workspace's test events as a shareable console event."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None or not boto3_ready(self.window):
            return
        store = EventStore.for_workspace(workspace)
        names = store.names()
        if not names:
            status(self.window, 'no test event to share: make one with "Lambda: New Test Event…"')
            return
        binding = workspace.binding

        def share(index: int) -> None:
            if index < 0:
                return
            run_off_ui(
                lambda: share_event(binding.target, binding.function_name, store, names[index]),
                self._shared,
                window=self.window,
                status=f"sharing {names[index]}…",
                long_running=True,
            )

        quick_panel.show(
            self.window,
            [sublime.QuickPanelItem(name, "", "", sublime.KIND_VARIABLE) for name in names],
            share,
            placeholder=f"Share a test event of {binding.function_name} with the console",
        )

    def _shared(self, result: ShareResult) -> None:
        status(self.window, result.summary())


__all__ = ["LambdaImportConsoleTestEventsCommand", "LambdaShareTestEventCommand"]
