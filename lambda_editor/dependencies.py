"""Dependencies in a function's `vendor/` folder: installed for Lambda's platform, sized, imported.

pip installs into a staging folder inside the workspace's `.lambda-editor/` (never packaged, and on
the same filesystem as `vendor/`, so moves are renames). Only when pip succeeded is the result
merged, and the merge itself is made as safe as the filesystem allows:

1. a new `vendor/` is built beside the staging folder as a copy of the current one made of hard
   links (cheap, and the live files are never written: every change unlinks or renames), falling
   back to real copies where hard links are not supported;
2. the change is applied to that copy: an upgraded distribution's old files (from its RECORD) and
   `.dist-info` are removed, then each staged top-level entry replaces its counterpart; a folder
   that another installed distribution also owns (a namespace package such as `google/`) is merged
   file by file instead;
3. two renames swap it in: `vendor/` → `.lambda-editor/staging-*/vendor-old`, new → `vendor/`.

A failure or cancellation before step 3 leaves `vendor/` untouched. POSIX cannot exchange two
folders in one atomic call, so between the two renames `vendor/` is briefly absent; if the process
dies exactly there, the next install or removal finds `vendor-old` and puts it back.

One install or removal runs at a time per workspace, across processes (the command line and Sublime
Text): each holds the lock file `.lambda-editor/deps.lock`, holding its process id, and a second
one is refused. Leftover staging folders are cleaned up only by the holder of the lock, so one
process never deletes another's install in progress. A lock whose process is gone, or older than
`STALE_LOCK_SECONDS`, was left by a process that died and is taken over.

Known limitation: pip resolves in an empty staging folder and does not see what `vendor/` already
holds. A new package may therefore bring a version of a shared dependency that replaces the one
another vendored package pinned (installing `b` that needs `urllib3>=2` over a vendored `a` that
needs `urllib3<2`), and nothing warns about it. Installing everything together, from one
requirements file, lets pip resolve them as a whole.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import os
import posixpath
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.parser import HeaderParser
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .errors import LambdaEditorError
from .layout import METADATA_DIR
from .limits import DIRECT_UPLOAD_LIMIT, UNZIPPED_LIMIT
from .locking import workspace_lock
from .packaging.builder import build_package
from .packaging.manifest import unzipped_size
from .pip_platform import (
    LambdaPlatform,
    NoWheelError,
    OutputCallback,
    build_pip_command,
    canonical_name,
    check_pip,
    check_requirement_specs,
    find_interpreter,
    interpreter_warning,
    lambda_platform,
    packages_without_wheel,
    pip_base_command,
    pip_environment,
    run_streaming,
)
from .units import format_size
from .workspace import Workspace

VENDOR_DIR = "vendor"
_STAGING_PREFIX = "staging-"


class InstallCancelledError(LambdaEditorError):
    def __init__(self) -> None:
        super().__init__("Dependency install cancelled: vendor/ is unchanged.")


@dataclass(frozen=True)
class InstalledDist:
    name: str
    version: str
    size: int  # bytes of the files its RECORD lists that are present


@dataclass(frozen=True)
class InstallResult:
    installed: List[str]  # "name==version" of every distribution pip installed, sorted
    size_report: Optional[SizeReport]  # None when the package could not be measured


def _ignore_output(line: str) -> None:
    """The default `on_output`: pip's lines go nowhere."""


# --- installing -------------------------------------------------------------------------------


def install_dependencies(
    root: str,
    runtime: Optional[str],
    architecture: str,
    specs: Sequence[str] = (),
    requirements_file: Optional[str] = None,
    *,
    interpreter: Optional[str] = None,
    extra_pip_args: Sequence[str] = (),
    allow_source_for: Sequence[str] = (),
    exclude: Sequence[str] = (),
    on_output: OutputCallback = _ignore_output,
    cancel: Optional[threading.Event] = None,
) -> InstallResult:
    """pip-install `specs` and/or `requirements_file` into root/vendor for the function's platform.

    `interpreter` is the python_interpreter setting (None: the runtime's pythonX.Y on PATH, else
    python3; a note goes to `on_output` when its version is not the runtime's). pip's output goes
    to `on_output` line by line as it comes; setting `cancel` stops pip and leaves vendor/ as it
    was. Raises NoWheelError when some package has no wheel for Lambda's platform: call again with
    `allow_source_for` holding those names (together with the ones allowed before: each retry may
    reveal more) to build them from source on this machine, which is accepted only when the result
    is pure Python. `exclude` (the user's setting) is for the size report.
    """
    platform = lambda_platform(runtime, architecture)
    check_requirement_specs(specs)
    python = find_interpreter(interpreter, platform.runtime)
    warning = interpreter_warning(python, platform.runtime)
    if warning:
        on_output(warning)
    check_pip(python)
    pip = _PipRunner(python, tuple(extra_pip_args), on_output, cancel)
    with _vendor_transaction(root) as staging:
        source_built = pip.build_pure_wheels(
            os.path.join(staging, "wheels"),
            allow_source_for,
            _source_specs(allow_source_for, specs, requirements_file),
        )
        site = os.path.join(staging, "site")
        argv = build_pip_command(
            pip.python,
            site,
            specs,
            requirements_file,
            runtime=platform.runtime,
            architecture=architecture,
            extra_pip_args=[*pip.extra_args, *source_built],
        )
        pip.install(argv, platform)
        installed = _prepare_staged(site)
        pip.stop_if_cancelled()
        _replace_vendor(root, staging, lambda vendor: _merge(site, vendor))
    on_output(f"Installed into {VENDOR_DIR}/: {', '.join(installed) or 'nothing'}.")
    return InstallResult(installed, _size_report_or_none(root, exclude, on_output))


def install_for_workspace(
    workspace: Workspace,
    specs: Sequence[str] = (),
    requirements_file: Optional[str] = None,
    **options: Any,
) -> InstallResult:
    """`install_dependencies` for a workspace's function; options as there."""
    return install_dependencies(
        workspace.root,
        workspace.binding.runtime,
        workspace.binding.architecture,
        specs,
        requirements_file,
        **options,
    )


@dataclass(frozen=True)
class _PipRunner:
    """Runs pip commands for one install: echoed and streamed to `on_output`, cancellable."""

    python: str
    extra_args: Tuple[str, ...]
    on_output: OutputCallback
    cancel: Optional[threading.Event]

    def run(self, argv: Sequence[str]) -> Tuple[int, List[str]]:
        """The exit status and output lines; InstallCancelledError when cancelled."""
        self.on_output(f"$ {_redacted(' '.join(shlex.quote(arg) for arg in argv))}")
        lines: List[str] = []

        def collect(line: str) -> None:
            lines.append(line)
            self.on_output(line)

        status = run_streaming(argv, collect, self.cancel, env=pip_environment())
        self.stop_if_cancelled()
        return status, lines

    def stop_if_cancelled(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise InstallCancelledError()

    def install(self, argv: Sequence[str], platform: LambdaPlatform) -> None:
        status, lines = self.run(argv)
        if status == 0:
            return
        missing = packages_without_wheel(lines)
        if missing:
            raise NoWheelError(missing, platform)
        raise LambdaEditorError(
            f"pip failed (exit status {status}): {_last_error(lines)}",
            f"See pip's output above; {VENDOR_DIR}/ is unchanged.",
        )

    def build_pure_wheels(
        self, wheel_dir: str, names: Sequence[str], specs: Sequence[str]
    ) -> List[str]:
        """Build wheels of `names` (from `specs`) from source with this machine's Python and
        refuse compiled ones; the pip options that offer them to the install.

        pip refuses source builds together with `--platform`, and rightly so: they compile for
        this machine. A pure-Python wheel runs anywhere, so it is built first, checked, and then
        offered to the platform-restricted install with `--find-links`.
        """
        if not names:
            return []
        status, lines = self.run(
            [
                *pip_base_command(self.python, "wheel"),
                "--no-deps",
                "--no-binary",
                ",".join(names),
                "--wheel-dir",
                wheel_dir,
                *self.extra_args,
                *specs,
            ]
        )
        if status != 0:
            raise LambdaEditorError(
                f"Building {', '.join(names)} from source failed: {_last_error(lines)}",
                f"See pip's output above; {VENDOR_DIR}/ is unchanged.",
            )
        for filename in sorted(os.listdir(wheel_dir)):
            if not is_pure_wheel(filename):
                raise _not_pure_error(filename)
        return ["--find-links", wheel_dir]


def _redacted(text: str) -> str:
    """Hide credentials in index URLs (`https://user:token@host`)."""
    return re.sub(r"//[^/@\s]+@", "//***@", text)


def _last_error(lines: Sequence[str]) -> str:
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or [line for line in lines if line.strip()] or ["no output"])[-1]


# --- source builds of pure-Python packages ----------------------------------------------------


def is_pure_wheel(filename: str) -> bool:
    """Whether a wheel's tags say it runs anywhere: ABI `none` and platform `any`."""
    if not filename.endswith(".whl"):
        return False
    parts = filename[: -len(".whl")].split("-")
    if len(parts) < 5:
        return False
    abis, platforms = parts[-2].split("."), parts[-1].split(".")
    return all(abi == "none" for abi in abis) and all(tag == "any" for tag in platforms)


def _not_pure_error(filename: str) -> LambdaEditorError:
    return LambdaEditorError(
        f"{filename.partition('-')[0]} is not pure Python: its source build made {filename}, "
        "compiled for this machine, which cannot run on Lambda.",
        "Pick a version with a manylinux wheel for the function's platform, or build it "
        f"on Amazon Linux. {VENDOR_DIR}/ is unchanged.",
    )


_REQUIREMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _source_specs(
    names: Sequence[str], specs: Sequence[str], requirements_file: Optional[str]
) -> List[str]:
    """What to build for each name: the user's requirement line for it, else the bare name."""
    chosen: Dict[str, str] = {}
    for line in [*specs, *_requirement_lines(requirements_file)]:
        match = _REQUIREMENT_NAME.match(line)
        if match:
            chosen.setdefault(canonical_name(match.group(0)), line)
    return [chosen.get(canonical_name(name), name) for name in names]


def _requirement_lines(requirements_file: Optional[str]) -> List[str]:
    if not requirements_file:
        return []
    try:
        with open(requirements_file, encoding="utf-8") as source:
            text = source.read()
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not read {requirements_file}: {exc.strerror or exc}."
        ) from exc
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-"))]


# --- distributions (*.dist-info) --------------------------------------------------------------

# pip --target installs into <home>/lib/python and then moves everything under <home> into the
# target, so RECORD paths are relative to that lib folder: `../../bin/tool` is the target's bin/.
_PIP_TARGET_LIB = "lib/python"


@dataclass(frozen=True)
class _Dist:
    name: str
    version: str
    dist_info: str  # folder name inside the site folder
    files: Tuple[str, ...]  # posix paths relative to the site folder, from RECORD

    def top_level(self) -> Set[str]:
        return {path.split("/", 1)[0] for path in self.files} | {self.dist_info}


def _read_dists(site: str) -> Dict[str, _Dist]:
    """The distributions in a site folder, by canonical name."""
    if not os.path.isdir(site):
        return {}
    dists = (
        _read_dist(site, entry)
        for entry in sorted(os.listdir(site))
        if entry.endswith(".dist-info") and os.path.isdir(os.path.join(site, entry))
    )
    return {canonical_name(dist.name): dist for dist in dists}


def _read_dist(site: str, dist_info: str) -> _Dist:
    folder = os.path.join(site, dist_info)
    stem_name, _, stem_version = dist_info[: -len(".dist-info")].partition("-")
    headers = HeaderParser().parsestr(_read_text(os.path.join(folder, "METADATA")))
    return _Dist(
        name=headers.get("Name") or stem_name,
        version=headers.get("Version") or stem_version,
        dist_info=dist_info,
        files=tuple(_record_files(_read_text(os.path.join(folder, "RECORD")))),
    )


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            return source.read()
    except FileNotFoundError:
        return ""


def _record_files(record: str) -> Iterator[str]:
    for row in csv.reader(io.StringIO(record)):
        path = _site_relative(row[0]) if row else None
        if path is not None:
            yield path


def _site_relative(entry: str) -> Optional[str]:
    """A RECORD entry as a path inside the site folder; None for anything that would leave it."""
    if not entry or entry.startswith("/") or "\\" in entry or ":" in entry:
        return None
    path = posixpath.normpath(posixpath.join(_PIP_TARGET_LIB, entry))
    if path.startswith(_PIP_TARGET_LIB + "/"):
        return path[len(_PIP_TARGET_LIB) + 1 :]
    if path in {".", ".."} or path.startswith("../"):
        return None
    return path


def _dist_size(site: str, dist: _Dist) -> int:
    total = 0
    for path in dist.files:
        with contextlib.suppress(OSError):
            total += os.lstat(os.path.join(site, *path.split("/"))).st_size
    return total


def list_installed(root: str) -> List[InstalledDist]:
    """The distributions in root/vendor, sorted by name."""
    vendor = os.path.join(root, VENDOR_DIR)
    return sorted(
        (
            InstalledDist(dist.name, dist.version, _dist_size(vendor, dist))
            for dist in _read_dists(vendor).values()
        ),
        key=lambda dist: canonical_name(dist.name),
    )


# --- changing vendor/ -------------------------------------------------------------------------


def merge_into_vendor(root: str, staged_site: str) -> List[str]:
    """Merge a folder pip installed into (`--target`) into root/vendor, as `install_dependencies`
    does; the staged entries are moved, not copied. Returns "name==version" of what it held."""
    installed = _prepare_staged(staged_site)
    with _vendor_transaction(root) as staging:
        _replace_vendor(root, staging, lambda vendor: _merge(staged_site, vendor))
    return installed


def remove_dependency(root: str, dist_name: str) -> InstalledDist:
    """Remove a distribution from root/vendor: the files its RECORD lists and its .dist-info.

    The packages it depends on stay: others may need them. Returns what was removed.
    """
    vendor = os.path.join(root, VENDOR_DIR)
    with _vendor_transaction(root) as staging:
        dists = _read_dists(vendor)
        dist = dists.get(canonical_name(dist_name))
        if dist is None:
            held = ", ".join(sorted(d.name for d in dists.values()))
            raise LambdaEditorError(
                f"{dist_name} is not installed in {VENDOR_DIR}/.",
                f"It holds: {held}." if held else f"{VENDOR_DIR}/ holds no packages.",
            )
        if not dist.files:
            raise LambdaEditorError(
                f"Cannot tell which files belong to {dist.name}: its RECORD is missing or empty.",
                f"Delete its files from {VENDOR_DIR}/ by hand.",
            )
        removed = InstalledDist(dist.name, dist.version, _dist_size(vendor, dist))
        _replace_vendor(root, staging, lambda new_vendor: _remove_dist(new_vendor, dist))
    return removed


@contextlib.contextmanager
def _vendor_transaction(root: str) -> Iterator[str]:
    """Hold the workspace's vendor/ for one change; yield a new staging folder, removed at the end.

    Leftovers of an interrupted earlier change are cleaned up first (vendor/ put back if the
    process died between the two renames of a swap).
    """
    metadata = os.path.join(root, METADATA_DIR)
    # A deploy or a re-download of the workspace waits for the change to vendor/ to end.
    with _install_lock(metadata), workspace_lock(root):
        _recover_interrupted_swap(root, metadata)
        staging = _make_staging(metadata)
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _make_staging(metadata: str) -> str:
    try:
        return tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=metadata)
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not create a staging folder in {metadata}: {exc.strerror or exc}."
        ) from exc


def _recover_interrupted_swap(root: str, metadata: str) -> None:
    vendor = os.path.join(root, VENDOR_DIR)
    if not os.path.isdir(metadata):
        return
    for entry in sorted(os.listdir(metadata)):
        if not entry.startswith(_STAGING_PREFIX):
            continue
        old_vendor = os.path.join(metadata, entry, "vendor-old")
        if not os.path.lexists(vendor) and os.path.isdir(old_vendor):
            os.replace(old_vendor, vendor)
        shutil.rmtree(os.path.join(metadata, entry), ignore_errors=True)


def _replace_vendor(root: str, staging: str, change: Callable[[str], None]) -> None:
    """Apply `change` to a hard-linked copy of root/vendor, then swap the copy in."""
    vendor = os.path.join(root, VENDOR_DIR)
    new_vendor = os.path.join(staging, "vendor-new")
    old_vendor = os.path.join(staging, "vendor-old")
    try:
        if os.path.isdir(vendor):
            shutil.copytree(vendor, new_vendor, symlinks=True, copy_function=_link_or_copy)
        else:
            os.mkdir(new_vendor)
        change(new_vendor)
        had_vendor = os.path.lexists(vendor)
        if had_vendor:
            os.replace(vendor, old_vendor)
        try:
            os.replace(new_vendor, vendor)
        except OSError:
            if had_vendor:
                os.replace(old_vendor, vendor)
            raise
    except (OSError, shutil.Error) as exc:
        raise LambdaEditorError(
            f"Could not update {vendor}: {exc}.",
            f"{VENDOR_DIR}/ is unchanged; check that no program holds files in it open.",
        ) from exc


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # no hard links on this filesystem
        shutil.copy2(source, target)


def _merge(staged: str, vendor: str) -> None:
    staged_dists = _read_dists(staged)
    existing = _read_dists(vendor)
    for name in staged_dists.keys() & existing.keys():
        _remove_dist(vendor, existing[name])
    shared: Set[str] = set()
    for name, dist in existing.items():
        if name not in staged_dists:
            shared |= dist.top_level()
    for entry in sorted(os.listdir(staged)):
        _move(os.path.join(staged, entry), os.path.join(vendor, entry), merge=entry in shared)


def _move(source: str, target: str, merge: bool) -> None:
    """Move source to target, replacing it; with `merge`, folders are merged entry by entry."""
    if merge and _is_real_dir(source) and _is_real_dir(target):
        for entry in sorted(os.listdir(source)):
            _move(os.path.join(source, entry), os.path.join(target, entry), merge=True)
        return
    _delete(target)
    shutil.move(source, target)


def _is_real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _delete(path: str) -> None:
    if _is_real_dir(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _remove_dist(site: str, dist: _Dist) -> None:
    """Delete a distribution's files and .dist-info, then the folders that left empty."""
    touched: Set[str] = set()
    for path in dist.files:
        full = os.path.join(site, *path.split("/"))
        if os.path.lexists(full) and not _is_real_dir(full):
            os.unlink(full)
            touched.add(os.path.dirname(full))
    _delete(os.path.join(site, dist.dist_info))
    _prune_empty_folders(site, touched)


def _prune_empty_folders(site: str, folders: Iterable[str]) -> None:
    """Remove each folder (and its parents below `site`) once it holds nothing but bytecode."""
    for start in sorted(folders, key=len, reverse=True):
        folder = start
        while folder != site and os.path.isdir(folder):
            remaining = os.listdir(folder)
            if remaining == ["__pycache__"]:
                shutil.rmtree(os.path.join(folder, "__pycache__"))
            elif remaining:
                break
            os.rmdir(folder)
            folder = os.path.dirname(folder)


def _prepare_staged(site: str) -> List[str]:
    """Drop bytecode from a staged install; "name==version" of each distribution it holds."""
    _drop_bytecode(site)
    return sorted(f"{dist.name}=={dist.version}" for dist in _read_dists(site).values())


def _drop_bytecode(folder: str) -> None:
    """Remove `__pycache__` folders and `.pyc` files: compiled for this machine's Python."""
    for parent, dirs, files in os.walk(folder):
        for name in dirs:
            if name == "__pycache__":
                shutil.rmtree(os.path.join(parent, name))
        dirs[:] = [name for name in dirs if name != "__pycache__"]
        for name in files:
            if name.endswith(".pyc"):
                os.unlink(os.path.join(parent, name))


# --- the lock that one install or removal holds, across processes -----------------------------

LOCK_FILE = "deps.lock"
STALE_LOCK_SECONDS = 6 * 3600  # far longer than any install; a lock this old is a reused pid's


@contextlib.contextmanager
def _install_lock(metadata: str) -> Iterator[None]:
    lock = os.path.join(metadata, LOCK_FILE)
    _acquire_lock(lock)
    try:
        yield
    finally:
        if _lock_holder(lock) == os.getpid():  # not taken over meanwhile as stale
            with contextlib.suppress(OSError):
                os.unlink(lock)


def _acquire_lock(lock: str) -> None:
    for _attempt in range(2):  # once more after taking over a stale lock
        try:
            os.makedirs(os.path.dirname(lock), exist_ok=True)
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if not _lock_is_stale(lock):
                break
            # Two processes taking over the same stale lock at the same instant could both go on;
            # that needs a crashed holder and two simultaneous starts.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock)
            continue
        except OSError as exc:
            raise LambdaEditorError(f"Could not create {lock}: {exc.strerror or exc}.") from exc
        with os.fdopen(descriptor, "w") as stream:
            stream.write(f"{os.getpid()}\n")
        return
    holder = _lock_holder(lock)
    process = f" (process {holder})" if holder else ""
    raise LambdaEditorError(
        f"Another dependency install or removal is running for this function{process}.",
        f"Wait for it to finish, then try again. If none is running, delete {lock}.",
    )


def _lock_holder(lock: str) -> Optional[int]:
    """The process id a lock file holds; None when it holds none (yet, or any more)."""
    text = _read_text(lock).strip()
    return int(text) if text.isdecimal() else None


def _lock_is_stale(lock: str) -> bool:
    try:
        age = time.time() - os.stat(lock).st_mtime
    except FileNotFoundError:  # released meanwhile
        return True
    holder = _lock_holder(lock)
    # No pid yet: its holder is between creating and writing it, so only age tells.
    return age > STALE_LOCK_SECONDS or (holder is not None and not _process_alive(holder))


def _process_alive(pid: int) -> bool:
    """Whether a process with this id exists (a reused id counts: the lock's age settles that)."""
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0 only checks (on Windows, os.kill would end the process)
    except (ProcessLookupError, OverflowError):  # gone, or no process id at all
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _QUERY_LIMITED_INFORMATION = 0x1000
    _ERROR_ACCESS_DENIED = 5
    _STILL_ACTIVE = 259
    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # this module's own instance
    _kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    _kernel32.OpenProcess.restype = wintypes.HANDLE
    _kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    _kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)

    def _windows_process_alive(pid: int) -> bool:
        handle = _kernel32.OpenProcess(_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:  # no such process, unless it is one we may not look at
            return ctypes.get_last_error() == _ERROR_ACCESS_DENIED
        try:
            exit_code = wintypes.DWORD()
            known = _kernel32.GetExitCodeProcess(handle, ctypes.byref(exit_code))
            return not known or exit_code.value == _STILL_ACTIVE
        finally:
            _kernel32.CloseHandle(handle)


# --- size -------------------------------------------------------------------------------------

CLOSE_TO_LIMIT = 0.8  # name the biggest packages from 80% of a limit
_BIGGEST_SHOWN = 5


@dataclass(frozen=True)
class SizeReport:
    unzipped_size: int
    zipped_size: Optional[int]  # None when over the unzipped limit: no zip is built then
    biggest: Tuple[InstalledDist, ...]  # the largest packages in vendor/, when close to a limit
    unzipped_limit: int = UNZIPPED_LIMIT
    zipped_limit: int = DIRECT_UPLOAD_LIMIT

    @property
    def close_to_limit(self) -> bool:
        zipped = self.zipped_size if self.zipped_size is not None else self.zipped_limit
        return (
            self.unzipped_size >= CLOSE_TO_LIMIT * self.unzipped_limit
            or zipped >= CLOSE_TO_LIMIT * self.zipped_limit
        )

    def summary(self) -> str:
        """A few sentences for the output panel or the terminal."""
        parts = [
            f"Package size: {format_size(self.unzipped_size)} unzipped "
            f"({_percent(self.unzipped_size, self.unzipped_limit)} of Lambda's "
            f"{format_size(self.unzipped_limit)} limit), {self._zipped_text()}."
        ]
        if self.unzipped_size > self.unzipped_limit:
            parts.append("Lambda refuses a package this large.")
        elif self.zipped_size is not None and self.zipped_size > self.zipped_limit:
            parts.append("Too large to upload directly: it must go through S3.")
        if self.biggest:
            named = ", ".join(f"{dist.name} {format_size(dist.size)}" for dist in self.biggest)
            parts.append(f"Biggest packages: {named}.")
            parts.append("Remove what the function does not need, or move it to a layer.")
        return " ".join(parts)

    def _zipped_text(self) -> str:
        if self.zipped_size is None:
            return "not zipped"
        return (
            f"{format_size(self.zipped_size)} zipped "
            f"({_percent(self.zipped_size, self.zipped_limit)} of the "
            f"{format_size(self.zipped_limit)} direct-upload limit)"
        )


def _percent(size: int, limit: int) -> str:
    return f"{100 * size / limit:.0f}%"


def make_size_report(
    unzipped_size: int,
    zipped_size: Optional[int],
    installed: Sequence[InstalledDist],
    unzipped_limit: int = UNZIPPED_LIMIT,
    zipped_limit: int = DIRECT_UPLOAD_LIMIT,
) -> SizeReport:
    """A report from measured sizes; the biggest packages are named only when close to a limit."""
    report = SizeReport(unzipped_size, zipped_size, (), unzipped_limit, zipped_limit)
    if not report.close_to_limit:
        return report
    biggest = sorted(installed, key=lambda dist: dist.size, reverse=True)[:_BIGGEST_SHOWN]
    return SizeReport(unzipped_size, zipped_size, tuple(biggest), unzipped_limit, zipped_limit)


def size_report(root: str, exclude: Sequence[str] = ()) -> SizeReport:
    """Measure the package the folder deploys as: the zip is really built (sizes are exact)."""
    try:
        built = build_package(root, exclude)
    except LambdaEditorError:
        unzipped = unzipped_size(root, exclude)
        if unzipped <= UNZIPPED_LIMIT:
            raise  # not the size limit: an unreadable file or a link out of the folder
        return make_size_report(unzipped, None, list_installed(root))
    return make_size_report(built.unzipped_size, built.zipped_size, list_installed(root))


def _size_report_or_none(
    root: str, exclude: Sequence[str], on_output: OutputCallback
) -> Optional[SizeReport]:
    """The size report after an install, which succeeded even when the package cannot be read."""
    try:
        report = size_report(root, exclude)
    except LambdaEditorError as error:
        on_output(f"Could not measure the package: {error}")
        return None
    on_output(report.summary())
    return report


# --- the handler's bootstrap lines ------------------------------------------------------------

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


VENDOR_BOOTSTRAP = vendor_bootstrap_lines()


def vendor_bootstrap_needed(handler_source: str) -> bool:
    """False when the module already puts a vendor folder on sys.path (these lines or similar)."""
    return _PUTS_VENDOR_ON_PATH.search(handler_source) is None


@dataclass(frozen=True)
class BootstrapPlan:
    """What adding the bootstrap lines to a handler module would do; nothing is written."""

    needed: bool
    lines: str  # the lines to add ("\n" line ends)
    line_number: int  # 1-based: they go before this line of the current source
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
        return BootstrapPlan(False, lines, 1, handler_source, path)
    index = _insertion_index(handler_source)
    newline = "\r\n" if "\r\n" in handler_source else "\n"
    source_lines = handler_source.splitlines(keepends=True)
    before, after = source_lines[:index], source_lines[index:]
    if before and not before[-1].endswith(("\n", "\r")):
        before[-1] += newline
    block = ("\n" if before else "") + lines + ("\n" if after else "")
    new_source = "".join(before) + block.replace("\n", newline) + "".join(after)
    return BootstrapPlan(True, lines, index + 1, new_source, path)


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
    try:
        with open(path, encoding="utf-8", newline="") as source:
            text = source.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise LambdaEditorError(f"Could not read {path}: {exc}.") from exc
    return plan_vendor_bootstrap(text, handler_module_depth(workspace.root, path), path)
