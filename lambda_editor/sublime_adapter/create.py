"""'Lambda: New Function…': a name, a template, then a form of choices before creating it."""

from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

import sublime
import sublime_plugin

from ..create import (
    ARCHITECTURES,
    BASIC_ROLE_NAME,
    TEMPLATES,
    CreatedFunction,
    NewFunction,
    Role,
    check_function_name,
    create_function,
    list_execution_roles,
)
from ..errors import LambdaEditorError
from ..limits import PYTHON_RUNTIMES
from ..settings import Settings
from . import settings as package_settings
from .boto import boto3_ready
from .pickers import Action, ask, choose, choose_action
from .runtime import on_ui, run_off_ui, show_error, status
from .windows import open_workspace_window

_NEW_BASIC_ROLE = (
    f"{BASIC_ROLE_NAME}, created now with the AWS managed policy AWSLambdaBasicExecutionRole "
    "(needs iam:CreateRole, iam:AttachRolePolicy and iam:PassRole)"
)


class LambdaNewFunctionCommand(sublime_plugin.WindowCommand):
    def run(self) -> None:
        if boto3_ready(self.window):
            self._ask_name("")

    def _ask_name(self, initial: str) -> None:
        ask(self.window, "New function name:", initial, self._named)

    def _named(self, text: str) -> None:
        name = text.strip()
        try:
            check_function_name(name)  # before anything is asked of AWS
        except LambdaEditorError as error:
            show_error(error)
            self._ask_name(name)
            return
        templates = list(TEMPLATES.values())
        choose(
            self.window,
            [
                sublime.QuickPanelItem(t.name, t.description, "", sublime.KIND_SNIPPET)
                for t in templates
            ],
            lambda index: self._load_roles(NewFunction(name, template=templates[index].name)),
            f"Template of {name}",
        )

    def _load_roles(self, request: NewFunction) -> None:
        settings = package_settings.load()

        def unlisted(error: LambdaEditorError) -> None:
            status(self.window, f"{error.message} Enter a role ARN, or let one be created.")
            NewFunctionForm(self.window, settings, request, []).show()

        run_off_ui(
            lambda: list_execution_roles(settings.target),
            lambda roles: NewFunctionForm(self.window, settings, request, roles).show(),
            on_error=unlisted,
            window=self.window,
            status="listing the roles Lambda can assume…",
        )


class NewFunctionForm:
    """Every choice in one panel: pick a row to change it, or the first to create."""

    def __init__(
        self,
        window: sublime.Window,
        settings: Settings,
        request: NewFunction,
        roles: List[Role],
    ) -> None:
        self.window = window
        self.settings = settings
        self.roles = roles
        basic = next((role for role in roles if role.name == BASIC_ROLE_NAME), None)
        self.request = replace(request.checked(), role_arn=basic.arn if basic else None)

    def show(self) -> None:
        request = self.request
        rows: List[Action] = [
            (
                f"Create {request.name}",
                f"{request.template} template · {request.describe()}",
                self._create,
            ),
            ("Runtime", request.runtime, lambda: self._pick("runtime", PYTHON_RUNTIMES)),
            (
                "Architecture",
                request.architecture,
                lambda: self._pick("architecture", ARCHITECTURES),
            ),
            (
                "Memory",
                f"{request.memory} MB (128 to 10240)",
                lambda: self._ask_number("memory", "MB"),
            ),
            (
                "Timeout",
                f"{request.timeout} s (1 to 900)",
                lambda: self._ask_number("timeout", "seconds"),
            ),
            ("Execution role", self._role_text(), self._pick_role),
        ]
        choose_action(self.window, rows, f"New function {request.name}")

    def _role_text(self) -> str:
        arn = self.request.role_arn
        return _NEW_BASIC_ROLE if arn is None else arn.rsplit("/", 1)[-1]

    def _changed(self, **values: object) -> None:
        try:
            self.request = replace(self.request, **values).checked()  # type: ignore[arg-type]
        except LambdaEditorError as error:
            show_error(error)
        self.show()

    def _pick(self, field: str, choices: Sequence[str]) -> None:
        current = getattr(self.request, field)
        choose(
            self.window,
            [sublime.QuickPanelItem(choice) for choice in choices],
            lambda index: self._changed(**{field: choices[index]}),
            field.capitalize(),
            selected=list(choices).index(current),
        )

    def _ask_number(self, field: str, unit: str) -> None:
        def on_done(text: str) -> None:
            try:
                self._changed(**{field: int(text.strip())})
            except ValueError:
                show_error(LambdaEditorError(f"{text.strip()!r} is not a whole number of {unit}."))
                self.show()

        ask(
            self.window,
            f"{field.capitalize()} in {unit}:",
            str(getattr(self.request, field)),
            on_done,
        )

    def _pick_role(self) -> None:
        basic_listed = any(role.name == BASIC_ROLE_NAME for role in self.roles)
        choices: List[Tuple[str, str, Optional[str]]] = (
            [] if basic_listed else [(BASIC_ROLE_NAME, _NEW_BASIC_ROLE, None)]
        )
        choices += [(role.name, role.description or role.arn, role.arn) for role in self.roles]

        def on_pick(index: int) -> None:
            if index == len(choices):
                ask(
                    self.window,
                    "Execution role ARN:",
                    "arn:aws:iam::",
                    lambda arn: self._changed(role_arn=arn.strip()),
                )
            else:
                self._changed(role_arn=choices[index][2])

        items = [
            sublime.QuickPanelItem(name, detail, "", sublime.KIND_VARIABLE)
            for name, detail, _arn in choices
        ]
        items.append(sublime.QuickPanelItem("Enter a Role ARN…", "", "", sublime.KIND_SNIPPET))
        choose(self.window, items, on_pick, "Execution role (roles Lambda can assume)")

    def _create(self) -> None:
        request = self.request
        workspace_root = package_settings.workspace_root(self.settings)
        window = self.window
        run_off_ui(
            lambda: create_function(
                self.settings.target,
                request,
                workspace_root,
                on_progress=lambda text: on_ui(lambda: status(window, text)),
            ),
            self._created,
            window=window,
            status=f"creating {request.name}…",
            long_running=True,
        )

    def _created(self, created: CreatedFunction) -> None:
        window = open_workspace_window(created.pulled.workspace)
        template = created.request.function_template
        role = created.role_arn.rsplit("/", 1)[-1]
        created_text = f"{created.request.name} created, running as {role}. {template.next_step}"
        status(window, created_text.strip())
        if "requirements.txt" in template.files and sublime.ok_cancel_dialog(
            f"{created.request.name} needs the packages of its requirements.txt in vendor/, "
            "built for Lambda's platform. Install them now? The function is deployed afterwards.",
            "Install Now",
        ):
            window.run_command("lambda_install_requirements")


__all__ = ["LambdaNewFunctionCommand"]
