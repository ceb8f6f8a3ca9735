"""Changing a function's dependencies, as one sequence: install (or remove), measure, add the
handler's vendor/ lines, deploy.

The front ends answer the one question the sequence asks (add the lines to the handler?) and say
how a deploy runs there: the command line deploys at once, Sublime through its deploy queue.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from ..errors import LambdaEditorError
from ..layout import VENDOR_DIR
from ..processes import OutputCallback
from ..workspace import Workspace
from .bootstrap import BootstrapPlan, apply_bootstrap, plan_bootstrap_for_workspace
from .dists import InstalledDist
from .pip_install import PipOptions, install_dependencies
from .size import SizeReport, size_report
from .vendor import remove_dependency

# Asked when the handler lacks the vendor/ lines: True to add them as planned.
AddBootstrap = Callable[[BootstrapPlan], bool]
# Deploys the workspace at this root (or queues its deploy).
Deploy = Callable[[str], None]


@dataclass(frozen=True)
class InstallOutcome:
    installed: List[str]  # "name==version" of every distribution pip installed, sorted
    size_report: Optional[SizeReport]  # None when the package could not be measured
    bootstrap_added: bool  # the vendor/ lines were added to the handler


def _ignore_output(line: str) -> None:
    """The default `on_output`: the lines go nowhere."""


def install_and_deploy(
    workspace: Workspace,
    specs: Sequence[str] = (),
    requirements_file: Optional[str] = None,
    *,
    add_bootstrap: AddBootstrap,
    deploy: Optional[Deploy],
    pip: Optional[PipOptions] = None,
    exclude: Sequence[str] = (),
    on_output: OutputCallback = _ignore_output,
    cancel: Optional[threading.Event] = None,
) -> InstallOutcome:
    """pip-install into the workspace's vendor/ (see `install_dependencies`), report the package's
    size, offer the handler the lines that put vendor/ on sys.path, then `deploy` (None: not).

    A failed install raises and nothing else happens. After a successful one, the size report,
    the lines and the deploy each go ahead whatever became of the step before: a handler that
    cannot be read is reported on `on_output`, and the new packages are still deployed.
    """
    binding = workspace.binding
    installed = install_dependencies(
        workspace.root,
        binding.runtime,
        binding.architecture,
        specs,
        requirements_file,
        options=pip,
        on_output=on_output,
        cancel=cancel,
    )
    report = _measure(workspace.root, exclude, on_output)
    added = _offer_bootstrap(workspace, add_bootstrap, on_output)
    if deploy is not None:
        deploy(workspace.root)
    return InstallOutcome(installed, report, added)


def remove_and_deploy(
    root: str,
    names: Sequence[str],
    *,
    deploy: Optional[Deploy],
    on_output: OutputCallback = _ignore_output,
) -> List[InstalledDist]:
    """Remove distributions from vendor/ one by one (see `remove_dependency`), then `deploy`."""
    removed = []
    for name in names:
        dist = remove_dependency(root, name)
        on_output(f"Removed {dist.name} {dist.version} from {VENDOR_DIR}/.")
        removed.append(dist)
    if deploy is not None:
        deploy(root)
    return removed


def _measure(root: str, exclude: Sequence[str], on_output: OutputCallback) -> Optional[SizeReport]:
    """The size report after an install, which succeeded even when the package cannot be read."""
    try:
        report = size_report(root, exclude)
    except LambdaEditorError as error:
        on_output(f"Could not measure the package: {error}")
        return None
    on_output(report.summary())
    return report


def _offer_bootstrap(
    workspace: Workspace, add_bootstrap: AddBootstrap, on_output: OutputCallback
) -> bool:
    try:
        plan = plan_bootstrap_for_workspace(workspace)
        if not plan.needed or not add_bootstrap(plan):
            return False
        apply_bootstrap(plan)
    except LambdaEditorError as error:
        on_output(str(error))
        return False
    on_output(f"Added the {VENDOR_DIR}/ lines to {plan.path}.")
    return True
