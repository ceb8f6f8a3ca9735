"""The lines a handler module needs to import what `vendor/` holds: Lambda only puts the
function's folder on `sys.path`.

Adding them is planned first (what, where, the resulting module), shown to the user, then applied
only if the handler file still holds what the plan was made from: an edit made in between is never
overwritten.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from dataclasses import dataclass
from typing import Optional

from ..atomic_files import write_text_atomically
from ..errors import LambdaEditorError
from ..layout import VENDOR_DIR
from ..workspace import Workspace

_BOOTSTRAP_COMMENT = "# Lambda only puts the function's folder on sys.path: add vendor/ to it."
# sys.path.insert/append/extend(...vendor...), sys.path[...] = ...vendor..., site.addsitedir(...)
_PUTS_VENDOR_ON_PATH = re.compile(
    r"^[^#\n]*(?:sys\.path\.(?:insert|append|extend)\s*\(|sys\.path\s*(?:\[[^\]\n]*\])?\s*\+?="
    r"|site\.addsitedir\s*\()[^#\n]*(?i:vendor)",
    re.MULTILINE,
)
_SPECIAL_COMMENT = re.compile(r"^#!|^#.*coding[:=]")


def vendor_bootstrap_lines(module_depth: int = 0) -> str:
    """The lines that put vendor/ on sys.path, for a handler module `module_depth` folders below
    the function's folder (0 for `app.py`, 1 for `pkg/app.py`)."""
    folder = "os.path.dirname(os.path.abspath(__file__))"
    for _ in range(module_depth):
        folder = f"os.path.dirname({folder})"
    return (
        f"{_BOOTSTRAP_COMMENT}\n"
        "import os\n"
        "import sys\n"
        "\n"
        f'sys.path.insert(0, os.path.join({folder}, "{VENDOR_DIR}"))\n'
    )


def vendor_bootstrap_needed(handler_source: str) -> bool:
    """False when the module already puts a vendor folder on sys.path (these lines or similar)."""
    return _PUTS_VENDOR_ON_PATH.search(handler_source) is None


@dataclass(frozen=True)
class BootstrapPlan:
    """What adding the bootstrap lines to a handler module would do; nothing is written."""

    needed: bool
    lines: str  # the lines to add ("\n" line ends)
    line_number: int  # 1-based: they go before this line of the current source
    source: str  # the module the plan was made from (its own line ends)
    new_source: str  # the module with the lines added (its own line ends kept)
    path: Optional[str] = None  # the handler file, when known

    @property
    def preview(self) -> str:
        where = os.path.basename(self.path) if self.path else "the handler module"
        return f"These lines will be added at line {self.line_number} of {where}:\n\n{self.lines}"


def plan_vendor_bootstrap(
    handler_source: str, module_depth: int = 0, path: Optional[str] = None
) -> BootstrapPlan:
    """Where and what to add: after a shebang or encoding line, the module docstring and
    `from __future__` imports (which must stay first).

    Raises LambdaEditorError when the module does not parse.
    """
    lines = vendor_bootstrap_lines(module_depth)
    if not vendor_bootstrap_needed(handler_source):
        return BootstrapPlan(False, lines, 1, handler_source, handler_source, path)
    index = _insertion_index(handler_source)
    newline = "\r\n" if "\r\n" in handler_source else "\n"
    source_lines = handler_source.splitlines(keepends=True)
    before, after = source_lines[:index], source_lines[index:]
    if before and not before[-1].endswith(("\n", "\r")):
        before[-1] += newline
    block = ("\n" if before else "") + lines + ("\n" if after else "")
    new_source = "".join(before) + block.replace("\n", newline) + "".join(after)
    return BootstrapPlan(True, lines, index + 1, handler_source, new_source, path)


def _insertion_index(source: str) -> int:
    """The 0-based line index the bootstrap lines go before."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise LambdaEditorError(
            f"The handler module has a syntax error (line {exc.lineno}): {exc.msg}.",
            "Fix it first, then add the vendor/ lines.",
        ) from exc
    index = 0
    body = list(tree.body)
    if body and _is_docstring(body[0]):
        index = body[0].end_lineno or body[0].lineno
        body = body[1:]
    for node in body:
        if not (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            break
        index = node.end_lineno or node.lineno
    if index == 0:
        lines = source.splitlines()
        while index < min(2, len(lines)) and _SPECIAL_COMMENT.match(lines[index]):
            index += 1
    return index


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def handler_module_depth(root: str, handler_path: str) -> int:
    """How many folders below the function's folder the handler module lies."""
    return len(os.path.relpath(handler_path, root).split(os.sep)) - 1


def plan_bootstrap_for_workspace(workspace: Workspace) -> BootstrapPlan:
    """The bootstrap plan for a workspace's handler file."""
    path = workspace.handler_path()
    if path is None:
        raise LambdaEditorError(
            f"The handler file of {workspace.binding.function_name} "
            f"({workspace.binding.handler or 'no handler'}) was not found in the workspace.",
            f"Add the {VENDOR_DIR}/ lines to the module that Lambda imports by hand.",
        )
    return plan_vendor_bootstrap(
        _read_source(path), handler_module_depth(workspace.root, path), path
    )


def apply_bootstrap(plan: BootstrapPlan) -> None:
    """Write the planned lines into the handler file, if it still holds what the plan was made
    from; otherwise nothing is written and the error says so."""
    if not plan.needed:
        return
    if plan.path is None:
        raise LambdaEditorError("The bootstrap plan names no handler file to write.")
    name = os.path.basename(plan.path)
    if _read_source(plan.path) != plan.source:
        raise LambdaEditorError(
            f"{name} changed since the {VENDOR_DIR}/ lines were planned: they were not added.",
            "Add them again, or by hand at the top of the module.",
        )
    try:
        mode = stat.S_IMODE(os.stat(plan.path).st_mode)
        write_text_atomically(plan.path, plan.new_source, mode)
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not add the {VENDOR_DIR}/ lines to {name}: {exc.strerror or exc}."
        ) from exc


def _read_source(path: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as source:
            return source.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise LambdaEditorError(f"Could not read {path}: {exc}.") from exc
