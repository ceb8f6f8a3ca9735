"""In the real Sublime Text (SublimeText/UnitTesting): a function picked from the list opens in a
new window, and a save deploys it, against the local endpoint (`lambda-editor sandbox --seed`).

The quick panel cannot be answered from a test in Sublime, so the test goes on from the function
that would have been picked, through the command's own code.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, Iterator, Optional

import sublime
from unittesting import DeferrableTestCase

PACKAGE = "LambdaEditor"
SETTINGS_FILE = "LambdaEditor.sublime-settings"
ENDPOINT = os.environ.get("LAMBDA_EDITOR_SANDBOX_URL", "http://127.0.0.1:5123")
FUNCTION = "hello-python"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
TIMEOUT_MS = 60000


def _module(name: str) -> Any:
    return sys.modules[f"{PACKAGE}.lambda_editor.{name}"]


class WorkspaceOpensAndSaveDeploys(DeferrableTestCase):
    def setUp(self) -> None:
        self.environment = {name: os.environ.get(name) for name in CREDENTIALS}
        os.environ.update(CREDENTIALS)
        _module("aws").reset_sessions()
        self.workspaces = tempfile.mkdtemp(prefix="lambda-editor-smoke-")
        self.settings = sublime.load_settings(SETTINGS_FILE)
        self.previous = {key: self.settings.get(key) for key in ("endpoint_url", "workspace_root")}
        self.settings.set("endpoint_url", ENDPOINT)
        self.settings.set("workspace_root", self.workspaces)
        self.opened: Optional[sublime.Window] = None

    def tearDown(self) -> None:
        if self.opened is not None:
            self.opened.run_command("close_window")
        for key, value in self.previous.items():
            if value is None:
                self.settings.erase(key)
            else:
                self.settings.set(key, value)
        for name, value in self.environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _window_of(self, root: str) -> Optional[sublime.Window]:
        return next((w for w in sublime.windows() if root in w.folders()), None)

    def test_a_picked_function_opens_in_a_new_window_and_a_save_deploys_it(self) -> Iterator[Any]:
        adapter = _module("sublime_adapter.editing")
        settings = _module("sublime_adapter.settings").load()
        functions = _module("functions").list_functions(
            _module("aws").lambda_client(settings.target)
        )
        [function] = [f for f in functions if f.name == FUNCTION]
        window = sublime.active_window()
        windows = len(sublime.windows())

        adapter.LambdaEditFunctionCommand(window)._open(settings, function)
        root = _module("pull").workspace_for_arn(self.workspaces, function.arn)
        yield {"condition": lambda: self._window_of(root), "timeout": TIMEOUT_MS}
        self.opened = self._window_of(root)
        assert self.opened is not None
        self.assertEqual(len(sublime.windows()), windows + 1)
        view = self.opened.active_view()
        assert view is not None
        yield {"condition": lambda: not view.is_loading(), "timeout": TIMEOUT_MS}
        self.assertTrue((view.file_name() or "").startswith(root))

        before = self._code_sha256(settings)
        view.run_command("append", {"characters": "\n# saved in Sublime Text\n"})
        view.run_command("save")
        yield {
            "condition": lambda: "deployed" in view.get_status("lambda_editor"),
            "timeout": TIMEOUT_MS,
        }
        self.assertNotEqual(self._code_sha256(settings), before)

    def _code_sha256(self, settings: Any) -> str:
        client = _module("aws").lambda_client(settings.target)
        return str(client.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"])
