"""Invoking functions, in AWS or locally, with test events; the result in the output panel."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional

import sublime
import sublime_plugin

from ..events import TEMPLATES, EventStore, parse_payload, template_text
from ..invoke import Invocation, invoke_and_keep
from ..invoke_result import INVOCATION_TYPES, REQUEST_RESPONSE, InvokeResult
from ..invoke_text import format_result
from ..last_result import load_last_result
from ..layers import LayerCache, default_layer_cache
from ..versions import LATEST, Qualifier, list_qualifiers
from ..workspace import Workspace
from . import quick_panel
from . import settings as package_settings
from .boto import boto3_ready
from .panels import JSON_SYNTAX, PLAIN_SYNTAX, OutputPanel
from .pickers import ChosenFunction, choose, with_function
from .runtime import explained, run_off_ui, show_error, status
from .windows import bound_workspace, workspace_root_of_window


class Invoker:
    """Invokes one function from a window, with a test event or a payload's text, and shows the
    result in the panel.

    A function without a workspace can be invoked in AWS; a local run needs the workspace's code.
    The last result and the events are kept in the workspace when there is one.
    """

    def __init__(self, window: sublime.Window, name: str, invocation: Invocation) -> None:
        self.window = window
        self.name = name
        self.invocation = invocation

    @classmethod
    def of_workspace(
        cls,
        window: sublime.Window,
        workspace: Workspace,
        *,
        local: bool = False,
        invocation_type: str = REQUEST_RESPONSE,
        qualifier: Optional[str] = None,
    ) -> Invoker:
        binding = workspace.binding
        settings = package_settings.load()  # on the UI thread
        invocation = Invocation(
            binding.function_arn,
            binding.target,
            workspace,
            local=local,
            invocation_type=invocation_type,
            qualifier=qualifier,
            interpreter=settings.python_interpreter if local else None,
            layer_cache=LayerCache(default_layer_cache(package_settings.workspace_root(settings))),
        )
        return cls(window, binding.function_name, invocation)

    def invoke_with_event(self, event_name: str) -> None:
        workspace = self.invocation.workspace
        assert workspace is not None
        store = EventStore.for_workspace(workspace)
        try:
            text = store.read(event_name)
        except Exception as error:
            show_error(explained(error))
            return
        store.mark_used(event_name)
        self.invoke_with_text(text, f"event {event_name}")

    def invoke_with_text(self, text: str, source: str) -> None:
        """Parse first: invalid JSON or an oversized payload is refused before anything is sent."""
        try:
            payload = parse_payload(text, self.invocation.invocation_type)
        except Exception as error:
            show_error(explained(error, f"invoke {self.name} with {source}"))
            return
        where = " locally" if self.invocation.local else ""
        run_off_ui(
            lambda: invoke_and_keep(self.invocation, payload),
            self._show,
            window=self.window,
            status=f"invoking {self.name}{where}…",
            long_running=True,
        )

    def _show(self, result: InvokeResult) -> None:
        show_result(self.window, result)
        outcome = "succeeded" if result.succeeded else f"failed ({result.function_error})"
        status(self.window, f"{self.name} {outcome}")


def show_result(window: sublime.Window, result: InvokeResult) -> None:
    panel = OutputPanel(window).clear(JSON_SYNTAX if result.response_is_json else PLAIN_SYNTAX)
    panel.append(format_result(result))
    if result.log_is_partial:  # the tail is the last 4 KB, or there is none (asynchronous)
        panel.append('\nIts whole log: "Lambda: Show Request Log".\n')
    panel.show()


def pick_event(
    window: sublime.Window, workspace: Workspace, on_pick: Callable[[str], None]
) -> None:
    """The workspace's test events, last used first.

    With none yet, a new one is made and opened, and nothing runs: a template's sample payload
    is for the user to edit, not to send.
    """
    names = EventStore.for_workspace(workspace).names()
    if not names:
        new_test_event(window, workspace)
        return
    items = [
        sublime.QuickPanelItem(name, "last used" if index == 0 else "", "", sublime.KIND_VARIABLE)
        for index, name in enumerate(names)
    ]
    items.append(
        sublime.QuickPanelItem("New Test Event…", "from a template", "", sublime.KIND_SNIPPET)
    )
    items.append(
        sublime.QuickPanelItem(
            "Import Console Test Events",
            "the Lambda console's shareable events (its private ones cannot be read)",
            "",
            sublime.KIND_NAVIGATION,
        )
    )

    def on_select(index: int) -> None:
        if index == len(names):
            new_test_event(window, workspace)
        elif index == len(names) + 1:
            window.run_command("lambda_import_console_test_events")
        elif index >= 0:
            on_pick(names[index])

    quick_panel.show(
        window, items, on_select, placeholder=f"Invoke {workspace.binding.function_name} with"
    )


def new_test_event(window: sublime.Window, workspace: Workspace) -> None:
    """Pick a template, name the event, and open it to be edited."""

    def on_template(template: str) -> None:
        window.show_input_panel(
            "Test event name:",
            template,
            lambda name: _create_event(window, workspace, name, template),
            None,
            None,
        )

    pick_template(window, on_template)


def pick_template(window: sublime.Window, on_pick: Callable[[str], None]) -> None:
    templates = list(TEMPLATES)
    quick_panel.show(
        window,
        [
            sublime.QuickPanelItem(name, TEMPLATES[name], "", sublime.KIND_SNIPPET)
            for name in templates
        ],
        lambda index: on_pick(templates[index]) if index >= 0 else None,
        placeholder="Event template",
    )


def _create_event(window: sublime.Window, workspace: Workspace, name: str, template: str) -> None:
    try:
        path = EventStore.for_workspace(workspace).create(name.strip(), template)
    except Exception as error:
        show_error(explained(error))
        return
    window.open_file(path)
    status(window, f"edit the event {name.strip()}, then invoke with it")


class LambdaInvokeFunctionCommand(sublime_plugin.WindowCommand):
    """Invoke the window's function with a test event: in AWS, or locally with `local`."""

    def run(
        self, local: bool = False, invocation_type: str = REQUEST_RESPONSE, qualifier: str = ""
    ) -> None:
        how: Dict[str, Any] = {"invocation_type": invocation_type, "qualifier": qualifier or None}
        if not local:
            with_function(self.window, lambda chosen: _invoke_chosen(self.window, chosen, how))
            return
        workspace = bound_workspace(self.window)  # a local run needs the function's window
        if workspace is not None:
            invoker = Invoker.of_workspace(self.window, workspace, local=True, **how)
            pick_event(self.window, workspace, invoker.invoke_with_event)


def _invoke_chosen(window: sublime.Window, chosen: ChosenFunction, how: Dict[str, Any]) -> None:
    """The workspace's events when the function has one, else a template."""
    if chosen.workspace is not None:
        invoker = Invoker.of_workspace(window, chosen.workspace, **how)
        pick_event(window, chosen.workspace, invoker.invoke_with_event)
        return
    invoker = Invoker(window, chosen.name, Invocation(chosen.function, chosen.target, **how))
    pick_template(
        window, lambda name: invoker.invoke_with_text(template_text(name), f"the {name} template")
    )


class LambdaInvokeWithOptionsCommand(sublime_plugin.WindowCommand):
    """Choose the invocation type and the qualifier ($LATEST, a version, an alias), then invoke."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None:
            return
        binding = workspace.binding

        def on_type(index: int) -> None:
            if index >= 0:
                run_off_ui(
                    lambda: list_qualifiers(binding.target, binding.function_arn),
                    lambda qualifiers: self._pick_qualifier(qualifiers, INVOCATION_TYPES[index]),
                    window=self.window,
                    status=f"reading the versions and aliases of {binding.function_name}…",
                )

        quick_panel.show(
            self.window, list(INVOCATION_TYPES), on_type, placeholder="Invocation type"
        )

    def _pick_qualifier(self, qualifiers: List[Qualifier], invocation_type: str) -> None:
        def on_pick(index: int) -> None:
            name = qualifiers[index].name
            arguments = {
                "invocation_type": invocation_type,
                "qualifier": "" if name == LATEST else name,
            }
            self.window.run_command("lambda_invoke_function", arguments)

        items = [
            sublime.QuickPanelItem(q.name, q.detail, q.kind, sublime.KIND_NAVIGATION)
            for q in qualifiers
        ]
        choose(self.window, items, on_pick, "Invoke which version or alias?")


class LambdaInvokeLastEventCommand(sublime_plugin.WindowCommand):
    """Invoke again with the event used last: one keystroke in the edit/invoke loop."""

    def run(self, local: bool = False) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None or (not local and not boto3_ready(self.window)):
            return
        try:
            event = EventStore.for_workspace(workspace).last_used()
        except Exception as error:
            show_error(explained(error))
            return
        Invoker.of_workspace(self.window, workspace, local=local).invoke_with_event(event)


class LambdaInvokeWithCurrentFileCommand(sublime_plugin.WindowCommand):
    """Invoke with the active view's JSON as the payload (saved or not; loaded: a view still
    loading its file is empty)."""

    def is_enabled(self, local: bool = False) -> bool:
        view = self.window.active_view()
        return (
            view is not None
            and not view.is_loading()
            and view.match_selector(0, "source.json")
            and workspace_root_of_window(self.window) is not None
        )

    def run(self, local: bool = False) -> None:
        view = self.window.active_view()
        workspace = bound_workspace(self.window)
        if view is None or workspace is None or (not local and not boto3_ready(self.window)):
            return
        text = view.substr(sublime.Region(0, view.size()))
        source = os.path.basename(view.file_name() or "") or "the current view"
        Invoker.of_workspace(self.window, workspace, local=local).invoke_with_text(text, source)


class LambdaNewTestEventCommand(sublime_plugin.WindowCommand):
    """Create a test event of the window's function from a template."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is not None:
            new_test_event(self.window, workspace)


class LambdaShowLastInvokeResultCommand(sublime_plugin.WindowCommand):
    """Reopen the last invoke result of the window's function."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None:
            return
        name = workspace.binding.function_name

        def show(result: Optional[InvokeResult]) -> None:
            if result is None:
                status(self.window, f"{name} has not been invoked yet")
            else:
                show_result(self.window, result)

        # It holds the whole response (up to 6 MB): read off the UI thread.
        run_off_ui(lambda: load_last_result(workspace.metadata_dir), show, window=self.window)


__all__: List[str] = [
    "LambdaInvokeFunctionCommand",
    "LambdaInvokeLastEventCommand",
    "LambdaInvokeWithCurrentFileCommand",
    "LambdaInvokeWithOptionsCommand",
    "LambdaNewTestEventCommand",
    "LambdaShowLastInvokeResultCommand",
]
