"""The Sublime Text adapter: commands, listeners and panels over the core.

The only part of the package that imports `sublime`. `LambdaEditor.py` re-exports what is listed in
`__all__`, which is how Sublime finds the commands and listeners.
"""

from __future__ import annotations

from . import deploying
from .aws_choices import LambdaSelectProfileCommand, LambdaSelectRegionCommand
from .boto import LambdaInstallBoto3Command
from .deploying import (
    LambdaDeployNowCommand,
    LambdaDeployOnSaveListener,
    LambdaShowRemoteDiffCommand,
)
from .editing import LambdaEditFunctionCommand, LambdaOpenWorkspaceCommand, forget_function_lists


def plugin_loaded() -> None:
    deploying.start()


def plugin_unloaded() -> None:
    deploying.stop()
    forget_function_lists()


__all__ = [
    "LambdaDeployNowCommand",
    "LambdaDeployOnSaveListener",
    "LambdaEditFunctionCommand",
    "LambdaInstallBoto3Command",
    "LambdaOpenWorkspaceCommand",
    "LambdaSelectProfileCommand",
    "LambdaSelectRegionCommand",
    "LambdaShowRemoteDiffCommand",
    "plugin_loaded",
    "plugin_unloaded",
]
