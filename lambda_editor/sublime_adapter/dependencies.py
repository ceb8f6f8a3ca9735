"""Installing and removing PyPI packages in the function's vendor/ folder."""

from __future__ import annotations

import os
import threading
from typing import Callable, Dict, List, Optional, Sequence

import sublime
import sublime_plugin

from ..dependencies.bootstrap import BootstrapPlan
from ..dependencies.dists import InstalledDist, list_installed
from ..dependencies.pip_install import NoWheelError, PipOptions
from ..dependencies.workflow import InstallOutcome, install_and_deploy, remove_and_deploy
from ..errors import LambdaEditorError
from ..units import format_size
from ..workspace import Workspace
from . import deploying, quick_panel
from . import settings as package_settings
from .panels import PIP_PANEL, OutputPanel
from .runtime import Progress, on_ui, run_off_ui, show_error, status
from .windows import bound_workspace, workspace_root_of_window
from .wording import worded

# One install at a time per workspace; the event cancels it.
_installs: Dict[str, threading.Event] = {}
_installs_lock = threading.Lock()


def _start_install(
    window: sublime.Window,
    workspace: Workspace,
    specs: Sequence[str],
    requirements_file: Optional[str] = None,
    allow_source_for: Sequence[str] = (),
) -> None:
    cancel = threading.Event()
    with _installs_lock:
        if workspace.root in _installs:
            status(window, "an install is already running for this function")
            return
        _installs[workspace.root] = cancel
    panel = OutputPanel(window, PIP_PANEL).clear()
    panel.show()
    what = ", ".join(specs) or os.path.basename(requirements_file or "")
    panel.append(f"Installing {what} into vendor/ of {workspace.binding.function_name}…\n")
    settings = package_settings.load()
    deploy = deploying.submit_from_worker(window)
    progress = Progress(window, f"installing {what}…")

    def show_line(line: str) -> None:
        def show() -> None:
            panel.append(line + "\n")
            if line.strip():
                progress.update(f"installing {what}: {line.strip()[:80]}")

        on_ui(show)

    def work() -> InstallOutcome:
        try:
            return install_and_deploy(
                workspace,
                specs,
                requirements_file,
                add_bootstrap=lambda plan: _answer_on_ui(lambda: _add_bootstrap(window, plan)),
                deploy=deploy,
                pip=PipOptions(settings.python_interpreter, allow_source_for=allow_source_for),
                exclude=settings.exclude,
                on_output=show_line,
                cancel=cancel,
            )
        finally:
            with _installs_lock:
                _installs.pop(workspace.root, None)

    def done(outcome: InstallOutcome) -> None:
        progress.end()
        status(window, f"installed {', '.join(outcome.installed) or 'nothing new'}")

    def failed(error: LambdaEditorError) -> None:
        progress.end()
        panel.append(f"\n{worded(error)}\n")
        status(window, f"installing {what} failed: vendor/ is unchanged")
        if isinstance(error, NoWheelError):
            allowed = [*allow_source_for, *error.packages]
            _offer_source_build(
                window,
                workspace,
                specs=specs,
                requirements_file=requirements_file,
                error=error,
                allowed=allowed,
            )

    run_off_ui(work, done, window=window, on_error=failed, long_running=True)


def _offer_source_build(
    window: sublime.Window,
    workspace: Workspace,
    *,
    specs: Sequence[str],
    requirements_file: Optional[str],
    error: NoWheelError,
    allowed: Sequence[str],
) -> None:
    """pip names one missing package at a time: each retry allows the ones named so far."""
    names = ", ".join(error.packages)
    if sublime.ok_cancel_dialog(
        f"{error.message}\n\nIf {names} is pure Python, it can be built from source on this "
        "machine. A package with native code is refused: it could not run on Lambda.",
        "Retry With a Source Build",
    ):
        _start_install(window, workspace, specs, requirements_file, allowed)


def _answer_on_ui(question: Callable[[], bool]) -> bool:
    """Ask on the UI thread from a worker, and wait for the answer (False if asking failed)."""
    answers: List[bool] = []
    answered = threading.Event()

    def ask() -> None:
        try:
            answers.append(question())
        finally:
            answered.set()

    on_ui(ask)
    answered.wait()
    return bool(answers and answers[0])


def _add_bootstrap(window: sublime.Window, plan: BootstrapPlan) -> bool:
    """Lambda puts only the task root on sys.path: offer the lines that add vendor/ as well."""
    assert plan.path is not None
    if not sublime.ok_cancel_dialog(
        f"Lambda only puts the function's folder on sys.path, so {plan.path} must add "
        f"vendor/ itself.\n\n{plan.preview}",
        "Add These Lines",
    ):
        return False
    view = window.find_open_file(plan.path)
    if view is not None and view.is_dirty():
        show_error(
            LambdaEditorError(
                f"{os.path.basename(plan.path)} has unsaved changes: the lines were not added.",
                "Save it, then add the lines shown above at its top.",
            )
        )
        return False
    return True


class LambdaInstallDependencyCommand(sublime_plugin.WindowCommand):
    """pip-install requirement specifiers into vendor/, for Lambda's platform."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None:
            return

        def on_done(text: str) -> None:
            specs = text.split()
            if specs:
                _start_install(self.window, workspace, specs)

        self.window.show_input_panel(
            "Install into vendor/ (e.g. requests pydantic==2.*):", "", on_done, None, None
        )


class LambdaInstallRequirementsCommand(sublime_plugin.WindowCommand):
    """pip-install the workspace's requirements.txt into vendor/."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is None:
            return
        requirements = os.path.join(workspace.root, "requirements.txt")
        if not os.path.isfile(requirements):
            show_error(
                LambdaEditorError(
                    f"{workspace.binding.function_name} has no requirements.txt.",
                    "Create one at the top of the workspace, or use Install Dependency….",
                )
            )
            return
        _start_install(self.window, workspace, (), requirements)


class LambdaRemoveDependencyCommand(sublime_plugin.WindowCommand):
    """Remove a package from vendor/ (with the files its RECORD lists), then deploy."""

    def run(self) -> None:
        workspace = bound_workspace(self.window)
        if workspace is not None:
            run_off_ui(
                lambda: list_installed(workspace.root),
                lambda dists: self._pick(workspace, dists),
                window=self.window,
            )

    def _pick(self, workspace: Workspace, installed: List[InstalledDist]) -> None:
        if not installed:
            status(self.window, "vendor/ holds no packages")
            return

        def on_select(index: int) -> None:
            if index < 0:
                return
            name = installed[index].name

            def removed(_result: object) -> None:
                status(self.window, f"removed {name} from vendor/")

            deploy = deploying.submit_from_worker(self.window)
            run_off_ui(
                lambda: remove_and_deploy(workspace.root, [name], deploy=deploy),
                removed,
                window=self.window,
            )

        quick_panel.show(
            self.window,
            [
                sublime.QuickPanelItem(dist.name, dist.version, format_size(dist.size))
                for dist in installed
            ],
            on_select,
            placeholder="Remove from vendor/",
        )


class LambdaCancelDependencyInstallCommand(sublime_plugin.WindowCommand):
    """Stop a running install; vendor/ stays as it was."""

    def is_enabled(self) -> bool:
        root = workspace_root_of_window(self.window)
        with _installs_lock:
            return root in _installs

    def run(self) -> None:
        root = workspace_root_of_window(self.window)
        with _installs_lock:
            cancel = _installs.get(root) if root else None
        if cancel is not None:
            cancel.set()
            status(self.window, "cancelling the install…")


def cancel_all() -> None:
    with _installs_lock:
        for cancel in _installs.values():
            cancel.set()


__all__: List[str] = [
    "LambdaCancelDependencyInstallCommand",
    "LambdaInstallDependencyCommand",
    "LambdaInstallRequirementsCommand",
    "LambdaRemoveDependencyCommand",
]
