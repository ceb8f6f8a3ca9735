"""pip into a function's `vendor/`, for Lambda's platform: run, streamed, cancellable, all or none.

pip installs into a staging folder of a `vendor_change`; only when it succeeded is the result
merged into `vendor/` (see `vendor`). A package without a wheel for the platform can be built from
source on request, and is accepted only when the build is pure Python.

Known limitation: pip resolves in an empty staging folder and does not see what `vendor/` already
holds. A new package may therefore bring a version of a shared dependency that replaces the one
another vendored package pinned (installing `b` that needs `urllib3>=2` over a vendored `a` that
needs `urllib3<2`), and nothing warns about it. Installing everything together, from one
requirements file, lets pip resolve them as a whole.
"""

from __future__ import annotations

import os
import re
import shlex
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .. import actions
from ..errors import LambdaEditorError
from ..interpreters import Interpreter, pick_interpreter, version_note
from ..layout import VENDOR_DIR
from ..pip_platform import (
    LambdaPlatform,
    build_pip_command,
    check_requirement_specs,
    lambda_platform,
    pip_base_command,
    pip_environment,
)
from ..processes import OutputCallback, run_streaming, run_to_end
from .dists import canonical_name
from .vendor import vendor_change

# pip accepts several --platform flags and manylinux_x_y tags since 20.3.
MINIMUM_PIP = (20, 3)
_PIP_VERSION = re.compile(r"^pip (\d+)\.(\d+)")
_PROBE_TIMEOUT = 60
_pip_checked: Dict[str, Tuple[int, int]] = {}


class InstallCancelledError(LambdaEditorError):
    def __init__(self) -> None:
        super().__init__(f"Dependency install cancelled: {VENDOR_DIR}/ is unchanged.")


@dataclass(frozen=True)
class PipOptions:
    """How pip runs: with which Python (None: the function's runtime on PATH, else python3),
    which extra options (an index, a proxy), and which packages may be built from source."""

    interpreter: Optional[str] = None
    extra_pip_args: Sequence[str] = ()
    allow_source_for: Sequence[str] = ()


def _ignore_output(line: str) -> None:
    """The default `on_output`: pip's lines go nowhere."""


def install_dependencies(
    root: str,
    runtime: Optional[str],
    architecture: str,
    specs: Sequence[str] = (),
    requirements_file: Optional[str] = None,
    *,
    options: Optional[PipOptions] = None,
    on_output: OutputCallback = _ignore_output,
    cancel: Optional[threading.Event] = None,
) -> List[str]:
    """pip-install `specs` and/or `requirements_file` into root/vendor for the function's platform;
    "name==version" of every distribution installed, sorted.

    A note goes to `on_output` first when pip's Python is not the runtime's version. pip's output
    goes to `on_output` line by line as it comes; setting `cancel` stops pip and leaves vendor/ as
    it was. Raises NoWheelError when some package has no wheel for Lambda's platform: call again
    with `options.allow_source_for` holding those names (together with the ones allowed before:
    each retry may reveal more) to build them from source on this machine, which is accepted only
    when the result is pure Python.
    """
    options = options or PipOptions()
    platform = lambda_platform(runtime, architecture)
    check_requirement_specs(specs)
    python = pick_interpreter(options.interpreter, platform.runtime)
    note = version_note(
        python,
        platform.runtime,
        "Note: pip runs",
        "packages that depend on the Python version may be chosen wrongly",
    )
    if note:
        on_output(note)
    check_pip(python.path)
    pip = _PipRunner(python, tuple(options.extra_pip_args), on_output, cancel)
    with vendor_change(root) as change:
        source_built = pip.build_pure_wheels(
            os.path.join(change.staging, "wheels"),
            options.allow_source_for,
            _source_specs(options.allow_source_for, specs, requirements_file),
        )
        site = os.path.join(change.staging, "site")
        argv = build_pip_command(
            python.path,
            site,
            specs,
            requirements_file,
            runtime=platform.runtime,
            architecture=architecture,
            extra_pip_args=[*pip.extra_args, *source_built],
        )
        pip.install(argv, platform)
        pip.stop_if_cancelled()
        installed = change.merge(site)
    on_output(f"Installed into {VENDOR_DIR}/: {', '.join(installed) or 'nothing'}.")
    return installed


def check_pip(interpreter: str) -> Tuple[int, int]:
    """pip's (major, minor) for the interpreter; a clear error when it is missing or too old."""
    if interpreter in _pip_checked:
        return _pip_checked[interpreter]
    try:
        completed = run_to_end(
            [interpreter, "-m", "pip", "--version"],
            timeout=_PROBE_TIMEOUT,
            env=pip_environment(),
            merge_stderr=True,
        )
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not run {interpreter}: {exc}.",
            "Choose the full path of a working Python 3 as the Python interpreter.",
            next_action=actions.CHOOSE_PYTHON,
        ) from exc
    match = _PIP_VERSION.match(completed.output.decode("utf-8", "replace"))
    if completed.status != 0 or match is None:
        raise LambdaEditorError(
            f"pip is not available for {interpreter}.",
            f"Install pip for that Python (`{interpreter} -m ensurepip --user`), "
            "or choose a Python that has pip.",
            next_action=actions.CHOOSE_PYTHON,
        )
    version = (int(match.group(1)), int(match.group(2)))
    if version < MINIMUM_PIP:
        raise LambdaEditorError(
            f"pip {version[0]}.{version[1]} of {interpreter} is too old to pick wheels for "
            f"another platform (it needs {MINIMUM_PIP[0]}.{MINIMUM_PIP[1]} or newer).",
            f"Upgrade it: `{interpreter} -m pip install --user --upgrade pip`.",
        )
    _pip_checked[interpreter] = version
    return version


@dataclass(frozen=True)
class _PipRunner:
    """Runs pip commands for one install: echoed and streamed to `on_output`, cancellable."""

    python: Interpreter
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
                *pip_base_command(self.python.path, "wheel"),
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


# --- understanding pip's failures -------------------------------------------------------------

_NO_MATCH = re.compile(
    r"(?:Could not find a version that satisfies the requirement|"
    r"No matching distribution found for) ([A-Za-z0-9][A-Za-z0-9._-]*)"
)


class NoWheelError(LambdaEditorError):
    """pip found no wheel of these packages for the function's platform.

    `packages` are the names pip reported: the caller may offer a retry that builds them from
    source, which `PipOptions.allow_source_for` allows for pure-Python ones. The retry passes them
    together with the names allowed before (`[*previous, *error.packages]`): once a package
    builds, pip may stop at another one.
    """

    def __init__(self, packages: Sequence[str], platform: LambdaPlatform) -> None:
        self.packages = list(packages)
        self.platform = platform
        named = ", ".join(self.packages)
        it = "it is" if len(self.packages) == 1 else "they are"
        super().__init__(
            f"No wheel of {named} fits Lambda's platform ({platform.describe()}).",
            "pip only installs wheels built for that platform; it does not compile code on "
            "this machine, which could not run on Lambda. Pick a version with a manylinux wheel "
            f"for {platform.machine} and Python {platform.python}"
            f"{_glibc_note(platform)}, or, if {it} pure Python, retry allowing a source build.",
        )


def _glibc_note(platform: LambdaPlatform) -> str:
    if not platform.on_amazon_linux_2:
        return ""
    return (
        f" (wheels for manylinux_2_28 or newer do not load on {platform.runtime}, "
        "which runs on Amazon Linux 2)"
    )


def packages_without_wheel(output_lines: Sequence[str]) -> List[str]:
    """The packages pip's output says it found no usable distribution for, in order, once each."""
    names: Dict[str, str] = {}
    for line in output_lines:
        for match in _NO_MATCH.finditer(line):
            names.setdefault(canonical_name(match.group(1)), match.group(1))
    return list(names.values())
