"""The Sublime Text adapter: commands, listeners and panels over the core.

The only part of the package that imports `sublime`. `LambdaEditor.py` re-exports what is listed in
`__all__`, which is how Sublime finds the commands and listeners.
"""

from __future__ import annotations

import sublime

from .. import events
from . import console_log, dependencies, deploying, quick_panel, runtime
from . import logs as log_panel
from . import settings as package_settings
from .aws_choices import LambdaSelectProfileCommand, LambdaSelectRegionCommand
from .boto import LambdaInstallBoto3Command
from .configuration import LambdaEditConfigurationCommand
from .console_events import LambdaImportConsoleTestEventsCommand, LambdaShareTestEventCommand
from .create import LambdaNewFunctionCommand
from .dependencies import (
    LambdaCancelDependencyInstallCommand,
    LambdaInstallDependencyCommand,
    LambdaInstallRequirementsCommand,
    LambdaRemoveDependencyCommand,
)
from .deploying import (
    LambdaDeployNowCommand,
    LambdaDeployOnSaveListener,
    LambdaShowRemoteDiffCommand,
)
from .editing import LambdaEditFunctionCommand, LambdaOpenWorkspaceCommand, forget_function_lists
from .function_url import LambdaFunctionUrlCommand
from .history import LambdaShowDeployHistoryCommand
from .info import (
    LambdaFunctionInfoCommand,
    LambdaFunctionInfoListener,
    LambdaShowEnvironmentValuesCommand,
)
from .invoking import (
    LambdaInvokeFunctionCommand,
    LambdaInvokeLastEventCommand,
    LambdaInvokeWithCurrentFileCommand,
    LambdaInvokeWithOptionsCommand,
    LambdaNewTestEventCommand,
    LambdaShowLastInvokeResultCommand,
)
from .logs import (
    LambdaFollowRequestCommand,
    LambdaLogTailListener,
    LambdaShowRecentLogsCommand,
    LambdaShowRequestLogCommand,
    LambdaStopTailingLogsCommand,
    LambdaTailLogsCommand,
)
from .versions import LambdaPointAliasCommand, LambdaPublishVersionCommand


def plugin_loaded() -> None:
    events.load_text = _load_package_text
    console_log.attach(debug=package_settings.load().debug)
    package_settings.watch(_settings_changed)
    runtime.start()
    deploying.start()


def plugin_unloaded() -> None:
    """Stops what the package runs, so that a reloaded version starts clean (an upgrade)."""
    package_settings.unwatch()
    log_panel.stop_all()
    dependencies.cancel_all()
    deploying.stop()
    runtime.stop()
    quick_panel.forget()
    forget_function_lists()
    console_log.detach()


def _settings_changed() -> None:
    console_log.set_debug(package_settings.load().debug)


def _load_package_text(relative_path: str) -> str:
    """Package files through Sublime's resources: the package may be a zipped archive."""
    package = __name__.split(".")[0]
    return sublime.load_resource(f"Packages/{package}/lambda_editor/{relative_path}")


__all__ = [
    "LambdaCancelDependencyInstallCommand",
    "LambdaDeployNowCommand",
    "LambdaDeployOnSaveListener",
    "LambdaEditConfigurationCommand",
    "LambdaEditFunctionCommand",
    "LambdaFunctionUrlCommand",
    "LambdaInstallBoto3Command",
    "LambdaInstallDependencyCommand",
    "LambdaInstallRequirementsCommand",
    "LambdaInvokeFunctionCommand",
    "LambdaInvokeLastEventCommand",
    "LambdaInvokeWithCurrentFileCommand",
    "LambdaInvokeWithOptionsCommand",
    "LambdaNewFunctionCommand",
    "LambdaNewTestEventCommand",
    "LambdaOpenWorkspaceCommand",
    "LambdaPointAliasCommand",
    "LambdaPublishVersionCommand",
    "LambdaRemoveDependencyCommand",
    "LambdaSelectProfileCommand",
    "LambdaSelectRegionCommand",
    "LambdaShowDeployHistoryCommand",
    "LambdaShowLastInvokeResultCommand",
    "LambdaShowRemoteDiffCommand",
    "plugin_loaded",
    "plugin_unloaded",
]

# Watching a function.
__all__ += [
    "LambdaFollowRequestCommand",
    "LambdaFunctionInfoCommand",
    "LambdaFunctionInfoListener",
    "LambdaImportConsoleTestEventsCommand",
    "LambdaLogTailListener",
    "LambdaShareTestEventCommand",
    "LambdaShowEnvironmentValuesCommand",
    "LambdaShowRecentLogsCommand",
    "LambdaShowRequestLogCommand",
    "LambdaStopTailingLogsCommand",
    "LambdaTailLogsCommand",
]
