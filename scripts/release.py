"""What users install, checked; and the one command that makes a release.

    python3 scripts/dev.py archive        the Sublime package as Package Control ships it
    python3 scripts/dev.py wheel          the sdist and wheel, installed and run from fresh venvs
    python3 scripts/dev.py release X.Y.Z  checks everything, builds dist/, tags vX.Y.Z; never pushes

Package Control ships what `git archive` makes of a tag (`export-ignore` applied); PyPI ships the
sdist and the wheel that `python -m build` makes. One version number, `lambda_editor.__version__`,
serves both: pyproject.toml reads it, and messages.json and CHANGELOG.md must name it.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

from dev import BIN, PYTHON, find_python

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
SEMVER = re.compile(r"\d+\.\d+\.\d+")
PLACEHOLDER = "TODO(release)"
GIT = shutil.which("git") or "git"

# The Sublime package: what the plugin needs at run time, and what must never ship with it.
PACKAGE_FILES = (
    ".python-version",
    "LambdaEditor.py",
    "LambdaEditor.sublime-settings",
    "Default.sublime-commands",
    "Main.sublime-menu",
    "messages.json",
    "LICENSE",
    "README.md",
    "lambda_editor/__init__.py",
    "lambda_editor/sublime_adapter/__init__.py",
)
NOT_SHIPPED = (
    "tests/", "benchmarks/", "scripts/", "docs/", ".ci/", ".github/", "lambda_editor/sandbox/",
    "pyproject.toml", "MANIFEST.in", "CHANGELOG.md", ".gitignore", ".gitattributes",
)  # fmt: skip
# What the default channel's reviewers refuse: default key bindings, context-menu entries.
REFUSED_SUFFIXES = (".sublime-keymap", "Context.sublime-menu")
MENU_PLACES = {"tools", "preferences"}  # no menu of our own at the top
ARCHIVE_LIMIT = 400 * 1024  # bytes, zipped; the package is about a third of it

# The PyPI distributions: the command line with every file of the core (the event templates and the
# local endpoint's samples among them); the Sublime layer ships through Package Control only.
NOT_IN_WHEEL = ("lambda_editor/sublime_adapter/",)
SDIST_FILES = ("pyproject.toml", "README.md", "LICENSE")
SAMPLE_FUNCTION = "hello-python"
SANDBOX_REGION = "us-east-1"


# -- One version -----------------------------------------------------------------------------------


def package_version(root: Path = ROOT) -> str:
    source = (root / "lambda_editor" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', source, re.MULTILINE)
    return found.group(1) if found else ""


def version_problems(root: Path = ROOT) -> List[str]:
    """Where the version's number or its notes are missing or disagree."""
    version = package_version(root)
    if not SEMVER.fullmatch(version):
        return [f'lambda_editor/__init__.py: __version__ = "{version}" is not X.Y.Z']
    problems = []
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    if 'version = {attr = "lambda_editor.__version__"}' not in pyproject:
        problems.append("pyproject.toml: the version must come from lambda_editor.__version__")
    messages = json.loads((root / "messages.json").read_text(encoding="utf-8"))
    for key, path in messages.items():
        if key != "install" and not SEMVER.fullmatch(key):
            problems.append(f"messages.json: {key!r} is neither 'install' nor a version")
        if not (root / path).is_file():
            problems.append(f"messages.json: {path} does not exist")
    if version not in messages:
        problems.append(f"messages.json: no message for {version} (messages/{version}.txt)")
    if changelog_section(root, version) is None:
        problems.append(f"CHANGELOG.md: no section `## [{version}]`")
    return problems


def changelog_section(root: Path, version: str) -> Optional[str]:
    """The CHANGELOG.md section of `version`, its heading included."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    found = re.search(rf"^## \[{re.escape(version)}\].*?(?=^## |^\[|\Z)", text, re.M | re.S)
    return found.group(0) if found else None


def release_problems(root: Path, version: str) -> List[str]:
    """Why `version` cannot be released from `root` now."""
    problems = version_problems(root)
    if package_version(root) != version:
        problems.append(f"lambda_editor/__init__.py says {package_version(root)}, not {version}")
    section = changelog_section(root, version) or ""
    dated = rf"## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}\n"
    if section and not re.match(dated, section):
        problems.append(f"CHANGELOG.md: date the section: `## [{version}] - YYYY-MM-DD`")
    message = root / "messages" / f"{version}.txt"
    for path, text in (("CHANGELOG.md", section), (message.name, _read(message))):
        if PLACEHOLDER in text:
            problems.append(f"{path}: {PLACEHOLDER} entries are left for {version}")
    if _git(root, "status", "--porcelain"):
        problems.append("the working tree has changes: commit or stash them")
    if _git(root, "tag", "--list", f"v{version}"):
        problems.append(f"the tag v{version} exists already")
    return problems


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        [GIT, *arguments], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


# -- The Sublime package ---------------------------------------------------------------------------


def package_archive(root: Path = ROOT, ref: str = "HEAD") -> bytes:
    """The zip that Package Control installs for a tag: `git archive`, export-ignore applied."""
    return subprocess.run(
        [GIT, "archive", "--format=zip", ref], cwd=root, capture_output=True, check=True
    ).stdout


def archive_problems(archive: bytes, tracked: List[str], version: str) -> List[str]:
    """What is missing from, or must not be in, the package `archive`.

    `tracked` lists the repository's files: every one of the plugin's (`lambda_editor/` but the
    local endpoint) must ship, and so must the messages that messages.json names.
    """
    package = zipfile.ZipFile(io.BytesIO(archive))
    files = {name for name in package.namelist() if not name.endswith("/")}
    plugin = [
        name
        for name in tracked
        if name.startswith("lambda_editor/") and not name.startswith("lambda_editor/sandbox/")
    ]
    messages = json.loads(package.read("messages.json")) if "messages.json" in files else {}
    needed = [*PACKAGE_FILES, *plugin, *messages.values(), f"messages/{version}.txt"]
    problems = [f"missing: {name}" for name in dict.fromkeys(needed) if name not in files]
    problems += [
        f"must not ship: {name}"
        for name in sorted(files)
        if name.startswith(NOT_SHIPPED) or "__pycache__/" in name or name.endswith(".pyc")
    ]
    problems += [
        f"reviewers refuse: {name}" for name in sorted(files) if name.endswith(REFUSED_SUFFIXES)
    ]
    if len(archive) > ARCHIVE_LIMIT:
        size, limit = len(archive) // 1024, ARCHIVE_LIMIT // 1024
        problems.append(f"{size} KB zipped, over the {limit} KB bound")
    return problems


def menu_problems(menu: List[Any], palette: List[Any]) -> List[str]:
    """The menu stays under Tools and Preferences, and its every command is in the palette."""
    problems = [
        f"Main.sublime-menu: a menu of its own at the top ({entry.get('caption', entry.get('id'))})"
        for entry in menu
        if entry.get("id") not in MENU_PLACES
    ]
    in_palette = {_command_key(entry) for entry in palette}
    problems += [
        f"Main.sublime-menu: {entry['command']} is not in the command palette"
        for entry in _menu_commands(menu)
        if _command_key(entry) not in in_palette
    ]
    return problems


def _menu_commands(entries: List[Any]) -> List[Dict[str, Any]]:
    found = []
    for entry in entries:
        if "command" in entry:
            found.append(entry)
        found += _menu_commands(entry.get("children", []))
    return found


def _command_key(entry: Dict[str, Any]) -> str:
    return json.dumps([entry["command"], entry.get("args", {})], sort_keys=True)


def check_archive(root: Path = ROOT) -> List[str]:
    archive = package_archive(root)
    tracked = _git(root, "ls-files").splitlines()
    problems = version_problems(root) + archive_problems(archive, tracked, package_version(root))
    menu, palette = (
        json.loads((root / name).read_text(encoding="utf-8"))
        for name in ("Main.sublime-menu", "Default.sublime-commands")
    )
    problems += menu_problems(menu, palette)
    files = [name for name in zipfile.ZipFile(io.BytesIO(archive)).namelist() if name[-1] != "/"]
    print(f"Sublime package (git archive HEAD): {len(files)} files, {len(archive) // 1024} KB")
    return problems


# -- The PyPI distributions ------------------------------------------------------------------------


def build_distributions(outdir: Path) -> List[Path]:
    """The sdist, then the wheel built from that sdist: proof that the sdist holds what it needs.

    They are built from a copy of the repository's files only: leftovers of earlier builds or of
    an editable install (`*.egg-info`, `build/`) never slip in.
    """
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch)
        for name in _git(ROOT, "ls-files").splitlines():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
        built = subprocess.run(
            [str(PYTHON), "-m", "build", "--outdir", str(outdir), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if built.returncode != 0:
            sys.exit(f"python -m build failed:\n{built.stdout}{built.stderr}")
    version = package_version()
    return [
        outdir / f"lambda_editor-{version}.tar.gz",
        outdir / f"lambda_editor-{version}-py3-none-any.whl",
    ]


def distribution_problems(sdist: Path, wheel: Path, tracked: List[str]) -> List[str]:
    """What the sdist or the wheel lacks or must not hold; `tracked`: the repository's files."""
    with tarfile.open(sdist) as archive:
        top = f"{sdist.name[: -len('.tar.gz')]}/"
        in_sdist = {member.name[len(top) :] for member in archive.getmembers()}
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    core = [
        name
        for name in tracked
        if name.startswith("lambda_editor/") and not name.startswith(NOT_IN_WHEEL)
    ]
    needed = [(sdist, name, in_sdist) for name in (*SDIST_FILES, *core)]
    needed += [(wheel, name, in_wheel) for name in core]
    problems = [f"{path.name} lacks {name}" for path, name, held in needed if name not in held]
    strays = [(wheel, name) for name in in_wheel if name.startswith((*NOT_IN_WHEEL, "tests/"))]
    strays += [(sdist, name) for name in in_sdist if name.startswith("tests/")]
    problems += [f"{path.name} must not hold {name}" for path, name in sorted(strays)]
    return problems


def installed_problems(wheel: Path, version: str) -> List[str]:
    """Install the wheel into fresh venvs and use it: `--version`, then `list` from a sandbox.

    The sandbox runs from a venv of this Python with the `sandbox` extra; the command line is
    also installed on the oldest Python the package supports (3.8) when there is one.
    """
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor() as installs:
        home = Path(scratch)
        wanted = [("tools", sys.executable, f"{wheel}[sandbox]")]
        oldest = find_python((3, 8), ("python3.8",))
        if oldest is None:
            print("Python 3.8 was not found: the wheel is tried on this Python only.")
        else:
            wanted.append(("oldest", oldest, str(wheel)))
        pending = [
            installs.submit(_venv_with, home / name, python, requirement)
            for name, python, requirement in wanted
        ]
        venvs = [venv.result() for venv in pending]
        tools = venvs[0]
        environment = _isolated_environment(home)
        problems = []
        for venv in venvs:
            printed = _run([str(venv / "lambda-editor"), "--version"], home, environment)
            if printed.strip() != f"lambda-editor {version}":
                problems.append(f"{venv.parent.name}: --version printed {printed.strip()!r}")
        with SandboxProcess(tools / "lambda-editor", home, environment) as url:
            for venv in venvs:
                listing = _run(
                    [str(venv / "lambda-editor"), "--endpoint-url", url, "list"], home, environment
                )
                if SAMPLE_FUNCTION not in listing.split():
                    problems.append(f"{venv.parent.name}: `list` printed {listing!r}")
                else:
                    print(f"{venv.parent.name} venv: lambda-editor {version} listed the sandbox")
        return problems


def _venv_with(folder: Path, python: str, requirement: str) -> Path:
    subprocess.run([python, "-m", "venv", str(folder)], check=True)
    scripts = folder / BIN.name
    subprocess.run(
        [str(scripts / "python"), "-m", "pip", "install", "--quiet", requirement], check=True
    )
    return scripts


def _isolated_environment(home: Path) -> Dict[str, str]:
    """No profile, credentials or endpoint of the machine's user: only the sandbox's."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV"))
    }
    environment.update(
        AWS_ACCESS_KEY_ID="sandbox",
        AWS_SECRET_ACCESS_KEY="sandbox",  # noqa: S106 - the sandbox accepts any
        AWS_DEFAULT_REGION=SANDBOX_REGION,
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
    )
    return environment


def _run(command: List[str], cwd: Path, environment: Dict[str, str]) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    return completed.stdout + completed.stderr


class SandboxProcess:
    """`lambda-editor sandbox --seed` in the background, its URL once the samples exist."""

    def __init__(self, command: Path, cwd: Path, environment: Dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [str(command), "sandbox", "--seed"],
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.deadline = threading.Timer(120, self.process.kill)  # a sandbox that never comes up

    def __enter__(self) -> str:
        self.deadline.start()
        assert self.process.stdout is not None
        lines = iter(self.process.stdout.readline, "")
        url = next(lines, "").strip()
        seeded = any(line.strip() == SAMPLE_FUNCTION for line in lines)
        self.deadline.cancel()
        if not seeded:
            self.__exit__()
            raise SystemExit(f"the sandbox did not start: it printed {url!r}")
        return url

    def __exit__(self, *_: object) -> None:
        self.deadline.cancel()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def check_wheel(outdir: Path) -> List[str]:
    sdist, wheel = build_distributions(outdir)
    problems = distribution_problems(sdist, wheel, _git(ROOT, "ls-files").splitlines())
    sizes = ", ".join(f"{path.name} {path.stat().st_size // 1024} KB" for path in (sdist, wheel))
    print(f"PyPI distributions: {sizes}")
    return problems or installed_problems(wheel, package_version())


# -- The release -----------------------------------------------------------------------------------


def release(version: str) -> List[str]:
    """Check, build dist/, tag. Nothing leaves the machine."""
    problems = release_problems(ROOT, version)
    if problems:
        return problems
    problems = check_archive()
    if DIST.exists():
        shutil.rmtree(DIST)
    problems += check_wheel(DIST)
    if problems:
        return problems
    _git(ROOT, "tag", "--annotate", f"v{version}", "--message", f"Lambda Editor {version}")
    print(
        f"\nTagged v{version}; dist/ holds the sdist and the wheel. To publish:\n"
        f"  git push origin v{version}       (Package Control releases from the tag)\n"
        f"  python -m twine upload dist/*  (PyPI)"
    )
    return []


def main(arguments: List[str]) -> int:
    task = arguments[0] if arguments else ""
    if task == "archive":
        problems = check_archive()
    elif task == "wheel":
        with tempfile.TemporaryDirectory() as outdir:
            problems = check_wheel(Path(outdir))
    elif task == "release" and len(arguments) == 2:
        problems = release(arguments[1])
    else:
        print("usage: python3 scripts/dev.py {archive | wheel | release X.Y.Z}")
        return 2
    for problem in problems:
        print(f"  {problem}")
    if problems:
        print(f"{task}: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
