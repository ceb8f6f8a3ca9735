"""Installing boto3 for Sublime Text's plugin host, beside the libraries Package Control manages.

Package Control's library channel has urllib3, six, python-dateutil and jmespath for the 3.8 and
3.14 plugin hosts (the package declares them in dependencies.json), but no boto3, botocore or
s3transfer. So an external Python's pip resolves boto3 with everything it needs into a staging
folder of ours, and only those three move into the host's library folder. The shared libraries
stay Package Control's: never replaced (it would refuse to upgrade files changed on disk, and
every other package would get our versions), never shadowed by a copy of ours.

The library folder is the data folder's `Lib/pythonXY` for the running host (`python38`,
`python314`), derived from the Packages folder as Package Control does; never the `Lib` folder of
the installation, which comes first on the host's `sys.path` but is not writable (or is replaced
by the next update).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

from .errors import LambdaEditorError
from .pip_platform import pip_base_command, pip_environment
from .processes import run_streaming

# What the channel lacks: installed by "Lambda: Install boto3". (PyPI name, import name)
OWN_LIBRARIES = (("boto3", "boto3"), ("botocore", "botocore"), ("s3transfer", "s3transfer"))
# What the channel provides for every host: dependencies.json lists them. (PyPI name, import name)
CHANNEL_LIBRARIES = (
    ("jmespath", "jmespath"),
    ("python-dateutil", "dateutil"),
    ("six", "six"),
    ("urllib3", "urllib3"),
)

_PACKAGE_CONTROL = "Package Control"  # how Package Control signs the libraries it installed
_STAGING_PREFIX = ".lambda-editor-"  # a dot: never importable, never taken for a library


@dataclass(frozen=True)
class PluginHost:
    """The Python that runs the package in Sublime Text, and the folder it reads libraries from."""

    version: Tuple[int, int]
    library_folder: str
    on_sys_path: bool  # False: the host may not read the folder (an unusual installation)

    def describe(self) -> str:
        return f"Sublime Text's Python {self.version[0]}.{self.version[1]} plugin host"


def plugin_host(
    packages_path: str, version: Tuple[int, int], sys_path: Sequence[str]
) -> PluginHost:
    """The running host: `<data>/Lib/python38` for 3.8, `<data>/Lib/python314` for 3.14.

    The Packages folder sits in the data folder, beside `Lib`, also in a portable installation.
    """
    data = os.path.dirname(os.path.abspath(packages_path))
    folder = os.path.join(data, "Lib", f"python{version[0]}{version[1]}")
    listed = {_normalized(entry) for entry in sys_path if entry}
    return PluginHost(version, folder, _normalized(folder) in listed)


def _normalized(path: str) -> str:
    return os.path.normcase(os.path.abspath(path.rstrip("\\/")))


@dataclass(frozen=True)
class MissingLibraries:
    """Which libraries boto3 needs cannot be imported here, by PyPI name."""

    own: Tuple[str, ...]  # "Lambda: Install boto3" installs them
    channel: Tuple[str, ...]  # "Package Control: Satisfy Libraries" installs them

    def __bool__(self) -> bool:
        return bool(self.own or self.channel)

    def describe(self) -> str:
        return ", ".join((*self.own, *self.channel))


def missing_libraries() -> MissingLibraries:
    """Looks the libraries up without importing them: importing boto3 takes a noticeable moment,
    and commands ask this on the UI thread."""

    def absent(libraries: Sequence[Tuple[str, str]]) -> Tuple[str, ...]:
        return tuple(name for name, module in libraries if importlib.util.find_spec(module) is None)

    return MissingLibraries(absent(OWN_LIBRARIES), absent(CHANNEL_LIBRARIES))


def pip_command(interpreter: str, target: str, version: Tuple[int, int]) -> List[str]:
    """pip for the plugin host's Python, not the interpreter's: these are all pure wheels.

    `--python-version` makes pip pick releases that still support the host (boto3 dropped 3.8 in
    1.38.0), and pip only allows it together with `--only-binary=:all:`. Asking for the three by
    name keeps their versions consistent with each other (boto3 pins the other two); their
    dependencies land in the staging folder too, and stay there. `--no-compile`: bytecode of the
    interpreter's Python has no use in the host.
    """
    return [
        *pip_base_command(interpreter, "install"),
        "--no-compile",
        "--target",
        target,
        "--python-version",
        f"{version[0]}.{version[1]}",
        "--only-binary=:all:",
        *(name for name, _ in OWN_LIBRARIES),
    ]


def install_boto3(
    host: PluginHost, interpreter: str, on_output: Callable[[str], None]
) -> List[str]:
    """pip into a staging folder beside the library folder, then move boto3, botocore and
    s3transfer in; what was installed ("boto3 1.37.38", …). The staging folder is removed."""
    require_writable(host.library_folder)
    lib = os.path.dirname(host.library_folder)
    os.makedirs(host.library_folder, exist_ok=True)
    _remove_leftovers(host.library_folder)
    staging = tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=lib)  # same disk: moves are renames
    try:
        command = pip_command(interpreter, staging, host.version)
        on_output(f"$ {' '.join(command)}")
        if run_streaming(command, on_output, env=pip_environment()) != 0:
            raise LambdaEditorError(
                "pip failed: boto3 was not installed.", "See pip's output above for why."
            )
        return move_own_libraries(staging, host.library_folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def move_own_libraries(staging: str, library_folder: str) -> List[str]:
    """Replace boto3, botocore and s3transfer in the library folder with the staged ones.

    Only their package folders and `.dist-info` folders are touched; everything else in both
    folders stays as it is. Earlier versions installed outside Package Control are replaced (all
    three or, when a move fails, none); a copy that Package Control manages is refused first.
    """
    staged = [_staged_distribution(staging, name, module) for name, module in OWN_LIBRARIES]
    for name, _ in OWN_LIBRARIES:
        for dist_info in _dist_infos(library_folder, name):
            _refuse_if_managed(library_folder, dist_info, name)
    trash = os.path.join(library_folder, f"{_STAGING_PREFIX}old-{uuid.uuid4().hex[:8]}")
    os.makedirs(trash)
    set_aside: List[str] = []
    moved_in: List[str] = []
    try:
        for (name, module), dist_info in zip(OWN_LIBRARIES, staged):
            for entry in (module, *_dist_infos(library_folder, name)):
                if os.path.lexists(os.path.join(library_folder, entry)):
                    os.replace(os.path.join(library_folder, entry), os.path.join(trash, entry))
                    set_aside.append(entry)
            for entry in (module, dist_info):
                os.replace(os.path.join(staging, entry), os.path.join(library_folder, entry))
                moved_in.append(entry)
    except OSError as exc:
        for entry in moved_in:
            shutil.rmtree(os.path.join(library_folder, entry), ignore_errors=True)
        for entry in set_aside:
            os.replace(os.path.join(trash, entry), os.path.join(library_folder, entry))
        raise LambdaEditorError(
            f"Could not install boto3 into {library_folder}: {exc.strerror or exc}.",
            "Nothing there was changed. Close what uses it and try again.",
        ) from exc
    finally:
        shutil.rmtree(trash, ignore_errors=True)
    return [
        f"{name} {_version_of(dist_info)}" for (name, _), dist_info in zip(OWN_LIBRARIES, staged)
    ]


def _remove_leftovers(library_folder: str) -> None:
    """Staging and set-aside folders of an install that was killed midway."""
    for folder in (os.path.dirname(library_folder), library_folder):
        try:
            entries = os.listdir(folder)
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.startswith(_STAGING_PREFIX):
                shutil.rmtree(os.path.join(folder, entry), ignore_errors=True)


def _dist_info_pattern(name: str) -> re.Pattern[str]:
    """`name-<version>.dist-info`, with the name escaped as wheels spell it (PEP 491)."""
    return re.compile(rf"^{re.escape(re.sub(r'[-_.]+', '_', name))}-[^-]+\.dist-info$", re.I)


def _dist_infos(folder: str, name: str) -> List[str]:
    pattern = _dist_info_pattern(name)
    try:
        return sorted(entry for entry in os.listdir(folder) if pattern.match(entry))
    except FileNotFoundError:
        return []


def _staged_distribution(staging: str, name: str, module: str) -> str:
    found = _dist_infos(staging, name)
    if len(found) != 1 or not os.path.isdir(os.path.join(staging, module)):
        raise LambdaEditorError(
            f"pip did not install {name} as expected: boto3 was not installed.",
            "See pip's output above.",
        )
    return found[0]


def _refuse_if_managed(library_folder: str, dist_info: str, name: str) -> None:
    installer = os.path.join(library_folder, dist_info, "INSTALLER")
    try:
        with open(installer, encoding="utf-8") as handle:
            managed = handle.read().strip().startswith(_PACKAGE_CONTROL)
    except OSError:
        return
    if managed:
        raise LambdaEditorError(
            f"{name} in {library_folder} is managed by Package Control: it was left as it is.",
            'Upgrade it with "Package Control: Upgrade Package", or remove it there first.',
        )


def _version_of(dist_info: str) -> str:
    return dist_info[: -len(".dist-info")].split("-", 1)[1]


def require_writable(target: str) -> None:
    """Refuse early, with a way out, when the library folder cannot be written."""
    existing = target
    while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.access(existing, os.W_OK):
        raise LambdaEditorError(
            f"Cannot install boto3: {existing} is not writable.",
            'Install it by hand (see the README, "Installing boto3").',
        )


def channel_note(missing: Optional[MissingLibraries] = None) -> Optional[str]:
    """What to tell the user when the libraries Package Control provides are missing."""
    missing = missing if missing is not None else missing_libraries()
    if not missing.channel:
        return None
    return (
        f"boto3 also needs {', '.join(missing.channel)}, which Package Control installs for every "
        'package that declares them: run "Package Control: Satisfy Libraries", then restart '
        "Sublime Text."
    )
