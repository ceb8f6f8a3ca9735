"""What the plugin's end-to-end tests share: the plugin loaded in the Sublime stand-in, bound to
the local endpoint, and the user's steps (edit a function, save, wait for the deploy).

No tests here: the `test_plugin_*` modules import the `plugin` fixture (as `plugin_fixture`) and
`Plugin` from it.
"""

from __future__ import annotations

import os
import sys
import threading
import types
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from sublime_standin import harness

# isort: split
import sublime

SETTINGS_FILE = "LambdaEditor.sublime-settings"
PLUGIN_MODULE = "LambdaEditor.LambdaEditor"
ADAPTER = "LambdaEditor.lambda_editor.sublime_adapter"
PANEL = "lambda_editor"  # invoke results
PIP_PANEL = "lambda_editor_pip"  # pip and Install boto3
STATUS_KEY = "lambda_editor"


def adapter(name: str) -> types.ModuleType:
    """A module of the plugin as Sublime imported it (not the `lambda_editor` the tests import)."""
    return sys.modules[f"{ADAPTER}.{name}"]


def calls_on_ui_thread(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> List[bool]:
    """Records, for each call the plugin's `module` makes to `name`, whether it ran on the UI
    thread (where nothing slow may run)."""
    on_ui: List[bool] = []
    original = getattr(adapter(module), name)

    def recorded(*args: Any, **kwargs: Any) -> Any:
        on_ui.append(harness.is_ui_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(adapter(module), name, recorded)
    return on_ui


def settle(timeout: float = 30) -> None:
    """Until nothing is left to run: Sublime's UI and async queues, and the plugin's own worker.

    A task queued behind the worker's tells when it is done; the UI waits meanwhile, so nothing
    new reaches the worker, and what its tasks sent back is all queued when the wait ends.
    """
    while True:
        harness.drain(timeout)
        worker = adapter("runtime")._worker
        if worker is None:
            return
        done = threading.Event()
        worker.submit(done.set)
        assert done.wait(timeout), "the plugin's worker is still busy"
        if harness.pump() == 0:
            return


def open_quick_panel() -> Optional[harness.QuickPanelRecord]:
    return next((panel for panel in reversed(harness.quick_panels()) if panel.is_open), None)


def wait_for_quick_panel(what: str = "a quick panel") -> harness.QuickPanelRecord:
    harness.run_ui_until(lambda: open_quick_panel() is not None, timeout=30, what=what)
    panel = open_quick_panel()
    assert panel is not None
    return panel


def panel_text(window: sublime.Window, panel: str = PANEL) -> str:
    """An output panel's text; empty while the plugin has not made the panel."""
    if window.find_output_panel(panel) is None:
        return ""
    return harness.output_panel_text(window, panel)


def view_text(view: sublime.View) -> str:
    return view.substr(sublime.Region(0, view.size()))


def deploy_status(view: sublime.View) -> str:
    return harness.status_bar(view).get(STATUS_KEY, "")


class Plugin:
    """The plugin in a fresh Sublime, its settings pointing at the sandbox."""

    def __init__(self, sandbox: Any, functions: Any, workspace_root: Path) -> None:
        self.sandbox = sandbox
        self.functions = functions
        self.workspace_root = workspace_root

    def settings(self, **values: Any) -> None:
        """Write the user's settings: the sandbox's, plus `values`."""
        harness.write_user_settings(
            SETTINGS_FILE,
            {
                "endpoint_url": self.sandbox.url,
                "region": self.sandbox.region,
                "workspace_root": str(self.workspace_root),
                "python_interpreter": sys.executable,
                **values,
            },
        )

    def workspace(self, name: str) -> Path:
        account, region = str(self.sandbox.account_id), str(self.sandbox.region)
        return self.workspace_root / account / region / name

    def uploads(self, name: str) -> int:
        return int(self.sandbox.stats.update_function_code.get(name, 0))

    def invokes(self, name: str) -> int:
        return int(self.sandbox.stats.invoke.get(name, 0))

    def windows_of(self, name: str) -> List[sublime.Window]:
        root = str(self.workspace(name))
        return [window for window in sublime.windows() if root in window.folders()]

    def start_edit(self, name: str) -> None:
        """Run "Edit Function…" in the active window and pick `name` once the list is shown."""
        sublime.active_window().run_command("lambda_edit_function")
        panel = wait_for_quick_panel("the function list")
        harness.answer_quick_panel(name)
        assert panel.answer is not None

    def edit(self, name: str) -> sublime.View:
        """Download `name` through "Edit Function…"; the handler's view in the new window."""
        self.start_edit(name)
        return self.wait_for_handler_view(name)

    def wait_for_handler_view(self, name: str, handler: str = "app.py") -> sublime.View:
        path = str(self.workspace(name) / handler)

        def handler_view() -> Optional[sublime.View]:
            for window in self.windows_of(name):
                view = window.active_view()
                if view is not None and view.file_name() == path:
                    return view
            return None

        harness.run_ui_until(lambda: handler_view() is not None, timeout=30, what="the handler")
        settle()
        view = handler_view()
        assert view is not None
        return view

    def wait_for_deploys(self, name: str) -> None:
        """Until the saves made so far are deployed (or refused) and their outcome shown."""
        settle()  # the save listeners have queued their deploys
        queue = adapter("deploying").queue()
        root = str(self.workspace(name))
        harness.run_ui_until(lambda: not queue.is_busy(root), timeout=30, what="the deploys")
        settle()

    def wait_for_panel(self, window: sublime.Window, text: str, panel: str = PANEL) -> str:
        harness.run_ui_until(
            lambda: text in panel_text(window, panel),
            timeout=30,
            what=f"{text!r} in the output panel {panel}",
        )
        return panel_text(window, panel)

    def wait_for_status(self, text: str) -> List[str]:
        harness.run_ui_until(
            lambda: any(text in message for message in harness.status_messages()),
            timeout=30,
            what=f"a status message with {text!r}",
        )
        return harness.status_messages()

    def deployed(self, name: str) -> Dict[str, bytes]:
        return dict(self.functions.deployed_files(name))


@pytest.fixture(name="plugin")
def plugin_fixture(
    sublime_app: types.ModuleType, sandbox: Any, functions: Any, tmp_path: Path
) -> Iterator[Plugin]:
    """The plugin loaded as Sublime loads it, with the network guard on (see `sublime_app`)."""
    loaded = Plugin(sandbox, functions, tmp_path / "workspaces")
    loaded.settings()
    harness.load_plugin(PLUGIN_MODULE)
    yield loaded
    # Deploys run on threads of their own: let them end inside this test, not in the next one.
    adapter("deploying").queue().wait_idle(30)
    settle()


def local_files(root: Path) -> Dict[str, bytes]:
    """The workspace's files as a deploy would package them (without our own folder)."""
    found: Dict[str, bytes] = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [s for s in subfolders if s not in (".lambda-editor", "__pycache__")]
        for file in files:
            path = Path(folder, file)
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found
