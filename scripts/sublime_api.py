"""Check that the Sublime Text builds the package claims are the ones its API calls need.

`python3 scripts/dev.py api` type-checks the Sublime adapter three times with mypy:

- against the stubs of the **minimum build** (the channel entry's `sublime_text` selector): every
  API the adapter uses existed in that build;
- against the stubs of the build just before it: something fails, so the minimum is the real one;
- against the newest stubs (`NEWEST`, the Python 3.14 plugin host): nothing the adapter uses was
  removed or changed since.

sublime-text-stubs is released for few builds (4200, 4213), but it documents in each docstring the
build that added a function, class, member or parameter (`.. since:: 4083`, ``:since:`4081```).
The stubs of an older build are made from the 4200 release: what came later is marked
`@deprecated` (functions and classes; mypy reports every use) or removed (members, parameters).
mypy does not report overriding a deprecated method, so the event hooks the adapter implements
(`on_post_save_async`, …) are checked against the dates directly.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
CHANNEL_ENTRY = ROOT / "docs" / "package-control.json"
README = ROOT / "README.md"
ADAPTER = ROOT / "lambda_editor" / "sublime_adapter"
MODULES = ("sublime", "sublime_plugin", "sublime_types")
CHECKED = ["-p", "lambda_editor.sublime_adapter"]
# The newest stubs, for the 3.14 host; they declare Python 3.13+, so they are fetched for it.
NEWEST = "4213.0"
NEWEST_PYTHON = "3.13"
MARK = "added in build"

# A docstring line that dates the whole definition: `.. since:: 4083`, `.. since:: 4132 3.8`,
# `.. :since:: 4135` or `:since: 4135`, with no indented text after it (that would date a change).
_DEFINITION_SINCE = re.compile(r"^(?:\.\. :?since::|:since:) (\d{4})\b")
# A parameter's own date: ``:since:`4081``` inside its `:param NAME:` entry.
_PARAMETER_SINCE = re.compile(r":since:`(\d{4})`")
_PARAMETER = re.compile(r"^:param (\w+):")
# Where users read the minimum: "Sublime Text 4, build 4083 or newer".
STATING_THE_MINIMUM = (README, ROOT / "LambdaEditor.py")
_STATED = re.compile(r"build (\d{4}) or newer")
_MARKED_USE = re.compile(rf"(\S+) is deprecated: {MARK} (\d+)")


def definition_build(docstring: Optional[str]) -> Optional[int]:
    """The build that added what the docstring documents, if it says so."""
    if not docstring:
        return None
    lines = _dedented_lines(docstring)
    for index, line in enumerate(lines):
        found = _DEFINITION_SINCE.match(line)
        if found and not _has_body(lines, index):
            return int(found.group(1))
    return None


def parameter_builds(docstring: Optional[str]) -> Dict[str, int]:
    """{parameter name: the build that added it}, from its `:param NAME:` entry."""
    builds: Dict[str, int] = {}
    current = None
    for line in _dedented_lines(docstring or ""):
        started = _PARAMETER.match(line)
        if started:
            current = started.group(1)
        elif line[:1] not in ("", " "):
            current = None  # another field or paragraph ends the parameter's entry
        found = _PARAMETER_SINCE.search(line)
        if found and current is not None:
            builds[current] = int(found.group(1))
    return builds


def _dedented_lines(docstring: str) -> List[str]:
    lines = docstring.strip("\n").splitlines() or [""]
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = min(indents, default=0)
    return [lines[0].strip()] + [line[margin:].rstrip() for line in lines[1:]]


def _has_body(lines: List[str], index: int) -> bool:
    following = [line for line in lines[index + 1 :] if line.strip()]
    return bool(following) and following[0].startswith(" ")


def stubs_for_build(source: str, build: int) -> str:
    """The stub module `source` as it would be for `build`: later additions marked or removed."""
    tree = ast.parse(source)
    removed: Set[str] = set()
    _limit_body(tree.body, build, removed, owner="")
    tree.body = [node for node in tree.body if not _aliases_removed(node, removed)]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _limit_body(body: List[ast.stmt], build: int, removed: Set[str], owner: str) -> None:
    kept = []
    for node, docstring in _with_docstrings(body):
        added = definition_build(docstring)
        newer = added is not None and added > build
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if newer:
                node.decorator_list.insert(0, _deprecated(f"{MARK} {added}"))
            if isinstance(node, ast.ClassDef):
                _limit_body(node.body, build, removed, owner=f"{owner}{node.name}.")
            else:
                _remove_parameters(node, parameter_builds(docstring), build)
        elif newer:
            removed.update(f"{owner}{name}" for name in _assigned_names(node))
            continue
        kept.append(node)
    body[:] = _without_orphan_docstrings(body, kept)


def _with_docstrings(body: List[ast.stmt]) -> Iterator[Tuple[ast.stmt, Optional[str]]]:
    """Each statement with its docstring: its own first string, or the string right after it."""
    for index, node in enumerate(body):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node, ast.get_docstring(node, clean=False)
        else:
            following = body[index + 1] if index + 1 < len(body) else None
            yield node, _string(following)


def _string(node: Optional[ast.stmt]) -> Optional[str]:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        value = node.value.value
        return value if isinstance(value, str) else None
    return None


def _without_orphan_docstrings(body: List[ast.stmt], kept: List[ast.stmt]) -> List[ast.stmt]:
    """`kept`, less the attribute docstrings whose attribute was removed."""
    kept_ids = {id(node) for node in kept}
    orphans = {
        id(body[index + 1])
        for index, node in enumerate(body[:-1])
        if id(node) not in kept_ids and _string(body[index + 1]) is not None
    }
    result = [node for node in kept if id(node) not in orphans]
    return result or [ast.Expr(ast.Constant(...))]


def _remove_parameters(function: ast.FunctionDef, builds: Dict[str, int], build: int) -> None:
    newer = {name for name, added in builds.items() if added > build}
    arguments = function.args
    for field in ("posonlyargs", "args"):
        names = getattr(arguments, field)
        kept = [argument for argument in names if argument.arg not in newer]
        dropped = len(names) - len(kept)
        setattr(arguments, field, kept)
        if dropped and field == "args":
            # Defaults belong to the last parameters; the dated ones come last.
            arguments.defaults = arguments.defaults[: len(arguments.defaults) - dropped]
    pairs = [
        (argument, default)
        for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults)
        if argument.arg not in newer
    ]
    arguments.kwonlyargs = [argument for argument, _ in pairs]
    arguments.kw_defaults = [default for _, default in pairs]


def _assigned_names(node: ast.stmt) -> List[str]:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, ast.Assign):
        return [target.id for target in node.targets if isinstance(target, ast.Name)]
    return []


def _aliases_removed(node: ast.stmt, removed: Set[str]) -> bool:
    """A module constant that copies a removed enum member (`SEMI_TRANSIENT = NewFileFlags.…`)."""
    value = getattr(node, "value", None)
    return (
        isinstance(node, (ast.Assign, ast.AnnAssign))
        and isinstance(value, ast.Attribute)
        and isinstance(value.value, ast.Name)
        and f"{value.value.id}.{value.attr}" in removed
    )


def _deprecated(message: str) -> ast.expr:
    return ast.Call(ast.Name("deprecated"), [ast.Constant(message)], [])


def write_stubs(installed: Path, target: Path, build: Optional[int]) -> None:
    """`sublime.pyi` etc. in `target`, from an installed stubs release limited to `build`."""
    target.mkdir(parents=True, exist_ok=True)
    for module in MODULES:
        source = (installed / f"{module}-stubs" / "__init__.pyi").read_text(encoding="utf-8")
        if build is not None:
            source = "from typing_extensions import deprecated\n" + stubs_for_build(source, build)
        (target / f"{module}.pyi").write_text(source, encoding="utf-8")


def late_hooks(source: str, build: int, adapter: Path = ADAPTER) -> List[str]:
    """The adapter's methods that override a `sublime_plugin` hook added after `build`."""
    stub = ast.parse(source)
    classes = {node.name: node for node in stub.body if isinstance(node, ast.ClassDef)}
    found = []
    for path in sorted(adapter.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            added = {}
            for base in node.bases:
                if isinstance(base, ast.Attribute) and _name(base.value) == "sublime_plugin":
                    added.update(_hook_builds(classes, base.attr))
            for method in node.body:
                name = getattr(method, "name", "")
                if name in added and added[name] > build:
                    found.append(f"{path.name}: {node.name}.{name}: {MARK} {added[name]}")
    return found


def _hook_builds(classes: Dict[str, ast.ClassDef], name: str) -> Dict[str, int]:
    """{method: build that added it} of a `sublime_plugin` class and its bases there."""
    node = classes.get(name)
    if node is None:
        return {}
    builds: Dict[str, int] = {}
    for base in node.bases:
        builds.update(_hook_builds(classes, _name(base)))
    for method, docstring in _with_docstrings(node.body):
        added = definition_build(docstring)
        if isinstance(method, ast.FunctionDef) and added is not None:
            builds[method.name] = added
    return builds


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def minimum_build() -> int:
    """The minimum build the channel entry states (`"sublime_text": ">=4083"`)."""
    entry = json.loads(CHANNEL_ENTRY.read_text(encoding="utf-8"))
    selectors = {release["sublime_text"] for release in entry["releases"]}
    found = [re.fullmatch(r">=(\d{4})", selector) for selector in selectors]
    if len(found) != 1 or found[0] is None:
        sys.exit(f"{CHANNEL_ENTRY.name}: expected one `>=NNNN` selector, found {sorted(selectors)}")
    return int(found[0].group(1))


def mypy(stubs: Path, python_version: str) -> subprocess.CompletedProcess[str]:
    """mypy over the adapter with `stubs` in place of the installed ones (mypy_path comes first)."""
    config = stubs / "mypy.ini"
    config.write_text(
        "[mypy]\n"
        f"python_version = {python_version}\n"
        "check_untyped_defs = True\n"
        "enable_error_code = deprecated\n"
        f"cache_dir = {stubs / 'cache'}\n"
        "[mypy-sublime,sublime_plugin,sublime_types]\n"
        "ignore_errors = True\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), *CHECKED]
    environment = {**os.environ, "MYPYPATH": str(stubs)}
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )


def newest_stubs(work: Path) -> Path:
    """The newest stubs release, installed once into `work` (PyPI the first time only)."""
    target = work / f"installed-{NEWEST}"
    if not (target / "sublime-stubs").exists():
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                "--only-binary=:all:", "--python-version", NEWEST_PYTHON,
                "--target", str(target), f"sublime-text-stubs=={NEWEST}",
            ],
            check=True,
        )  # fmt: skip
    return target


def problems(installed: Path, target: Path, build: Optional[int], python_version: str) -> List[str]:
    """What the adapter uses that the stubs of `build` (all of them: None) lack."""
    write_stubs(installed, target, build)
    result = mypy(target, python_version)
    if result.returncode not in (0, 1):
        sys.exit(f"mypy failed:\n{result.stdout}{result.stderr}")
    found = [line for line in result.stdout.splitlines() if ": error: " in line]
    if build is not None:
        plugin = (installed / "sublime_plugin-stubs" / "__init__.pyi").read_text(encoding="utf-8")
        found += late_hooks(plugin, build)
    return found


def statement_problems(build: int, paths: Tuple[Path, ...] = STATING_THE_MINIMUM) -> List[str]:
    """Where the README or the message Sublime Text 3 users get states another minimum build."""
    problems = []
    for path in paths:
        stated = {int(found) for found in _STATED.findall(path.read_text(encoding="utf-8"))}
        if stated != {build}:
            problems.append(
                f"{path.name} states {sorted(stated) or 'no'} `build NNNN or newer`; the channel "
                f"entry says {build}"
            )
    return problems


def lacking(problem: str) -> str:
    """`sublime.QuickPanelItem (added in build 4083)` from mypy's report of a marked use."""
    reported = problem.rsplit(": error: ", maxsplit=1)[-1]
    marked = _MARKED_USE.search(reported)
    return f"{marked.group(1)} ({MARK} {marked.group(2)})" if marked else reported


def main() -> int:
    build = minimum_build()
    misstated = statement_problems(build)
    if misstated:
        print(*misstated, sep="\n")
        return 1
    work = ROOT / ".venv" / "sublime-api"
    installed = Path(sysconfig.get_paths()["purelib"])
    failed = False
    for name, stubs, limit, python_version, must_pass in (
        (f"build {build}, the minimum", installed, build, "3.10", True),
        (f"build {build - 1}", installed, build - 1, "3.10", False),
        (f"stubs {NEWEST}, the newest", newest_stubs(work), None, NEWEST_PYTHON, True),
    ):
        target = work / name.split(",")[0].replace(" ", "-")
        found = problems(stubs, target, limit, python_version)
        if must_pass and found:
            print(
                f"Sublime API, {name}: the adapter uses what this build lacks:", *found, sep="\n  "
            )
        elif not must_pass and not found:
            print(
                f"Sublime API, {name}: the adapter needs nothing of build {build}; lower the "
                f"minimum in {CHANNEL_ENTRY.relative_to(ROOT)} and the README."
            )
        else:
            missing = sorted({lacking(line) for line in found})
            print(f"Sublime API, {name}: {'lacks ' + '; '.join(missing) if found else 'all there'}")
            continue
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
