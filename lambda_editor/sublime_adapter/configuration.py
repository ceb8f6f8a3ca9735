"""'Lambda: Edit Configuration': the function's configuration as a file; saving it deploys."""

from __future__ import annotations

import sublime_plugin

from ..configure import open_configuration
from .runtime import run_off_ui
from .windows import bound_workspace, workspace_root_of_window


class LambdaEditConfigurationCommand(sublime_plugin.WindowCommand):
    """Opens `.lambda-editor/configuration.json`, written first when the workspace has none (from
    the configuration recorded at the download, else the one AWS holds now)."""

    def is_enabled(self) -> bool:
        return workspace_root_of_window(self.window) is not None

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None:
            return
        root = workspace.root

        def opened(path: str) -> None:
            self.window.open_file(path)

        run_off_ui(
            lambda: open_configuration(root),
            opened,
            window=self.window,
            status=f"opening the configuration of {workspace.binding.function_name}…",
        )


__all__ = ["LambdaEditConfigurationCommand"]
