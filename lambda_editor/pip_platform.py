"""pip for Lambda's platform: which wheels a function can load, and the pip command that gets them.

Lambda runs CPython on Amazon Linux: python3.12 and newer on Amazon Linux 2023 (glibc 2.34), older
runtimes on Amazon Linux 2 (glibc 2.26). pip is told that platform with `--platform`,
`--python-version` and `--implementation`, so the same command works from macOS or Windows, and
`--only-binary=:all:` (which pip requires with those options) keeps it from compiling anything for
the machine it runs on.

pip matches platform tags exactly, so every tag the function's glibc accepts is listed, newest
first (pip prefers the earlier ones when several wheels of a version fit), like the list pip builds
for its own machine: `manylinux_2_Y` down to 2_17 for aarch64, down to 2_5 for x86_64, each legacy
alias (`manylinux2014` = 2_17, `manylinux2010` = 2_12, `manylinux1` = 2_5) beside its equivalent.
A `manylinux_2_28` wheel is never offered to an Amazon Linux 2 runtime: it would fail at import
with "GLIBC_2.28 not found".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import LambdaEditorError
from .interpreters import runtime_version

# The first runtime on Amazon Linux 2023, and each Amazon Linux's glibc.
_FIRST_AL2023_PYTHON = (3, 12)
_AL2023_GLIBC = (2, 34)
_AL2_GLIBC = (2, 26)

_MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
# The oldest glibc each machine has manylinux wheels for (PEP 600, as in packaging's _manylinux).
_OLDEST_GLIBC_MINOR = {"x86_64": 5, "aarch64": 17}
_LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}


@dataclass(frozen=True)
class LambdaPlatform:
    """What a function's code runs on: CPython version, machine and glibc."""

    runtime: str  # "python3.12"
    python_version: Tuple[int, int]
    machine: str  # "x86_64" or "aarch64"
    glibc: Tuple[int, int]

    @property
    def python(self) -> str:
        """The version pip's `--python-version` takes: `3.12`."""
        return ".".join(map(str, self.python_version))

    @property
    def on_amazon_linux_2(self) -> bool:
        return self.glibc == _AL2_GLIBC

    @property
    def amazon_linux(self) -> str:
        return "Amazon Linux 2" if self.on_amazon_linux_2 else "Amazon Linux 2023"

    def platform_tags(self) -> List[str]:
        """Every manylinux tag this platform loads, newest glibc first."""
        major, newest_minor = self.glibc
        tags: List[str] = []
        for minor in range(newest_minor, _OLDEST_GLIBC_MINOR[self.machine] - 1, -1):
            tags.append(f"manylinux_{major}_{minor}_{self.machine}")
            legacy = _LEGACY_MANYLINUX.get(minor)
            if legacy:
                tags.append(f"{legacy}_{self.machine}")
        return tags

    def describe(self) -> str:
        """For messages: `manylinux aarch64, CPython 3.11, glibc 2.26 or older (Amazon Linux 2)`."""
        glibc = ".".join(map(str, self.glibc))
        return (
            f"manylinux {self.machine}, CPython {self.python}, "
            f"glibc {glibc} or older ({self.amazon_linux})"
        )


def lambda_platform(runtime: Optional[str], architecture: str) -> LambdaPlatform:
    """The platform of a function with this runtime (`python3.12`) and architecture (`arm64`)."""
    version = runtime_version(runtime)
    if version is None:
        what = f"runs {runtime}" if runtime else "has no runtime (a container image)"
        raise LambdaEditorError(
            f"Dependencies can only be installed for Python functions; this one {what}.",
            "Package dependencies for other runtimes with their own tools.",
        )
    machine = _MACHINES.get(architecture)
    if machine is None:
        raise LambdaEditorError(
            f"Unknown Lambda architecture {architecture!r}: expected x86_64 or arm64."
        )
    glibc = _AL2023_GLIBC if version >= _FIRST_AL2023_PYTHON else _AL2_GLIBC
    return LambdaPlatform(runtime or "", version, machine, glibc)


def pip_platform_args(runtime: str, architecture: str) -> List[str]:
    """The pip options that select wheels for the function's platform instead of this machine's."""
    platform = lambda_platform(runtime, architecture)
    args = [
        "--implementation",
        "cp",
        "--python-version",
        platform.python,
        "--only-binary=:all:",
    ]
    for tag in platform.platform_tags():
        args += ["--platform", tag]
    return args


def pip_base_command(interpreter: str, subcommand: str) -> List[str]:
    """`python -m pip SUBCOMMAND` with the options every non-interactive run needs."""
    return [
        interpreter,
        "-m",
        "pip",
        subcommand,
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
    ]


def build_pip_command(
    interpreter: str,
    target_dir: str,
    specs: Sequence[str],
    requirements_file: Optional[str] = None,
    *,
    runtime: str,
    architecture: str,
    extra_pip_args: Sequence[str] = (),
) -> List[str]:
    """The argv of `pip install --target target_dir` for the function's platform.

    `--no-compile`: bytecode compiled here would be for this machine's Python, not Lambda's.
    """
    check_requirement_specs(specs)
    if not specs and not requirements_file:
        raise LambdaEditorError("Nothing to install: give a requirement or a requirements file.")
    requirements = ["-r", requirements_file] if requirements_file else []
    return [
        *pip_base_command(interpreter, "install"),
        "--target",
        target_dir,
        "--no-compile",
        *pip_platform_args(runtime, architecture),
        *extra_pip_args,
        *requirements,
        *specs,
    ]


def check_requirement_specs(specs: Sequence[str]) -> None:
    """Refuse pip options typed where requirements are expected (`-e .`, `--index-url ...`)."""
    for spec in specs:
        if spec.startswith("-"):
            raise LambdaEditorError(
                f"{spec!r} is a pip option, not a requirement.",
                "Give requirement specifiers only, e.g. `requests pydantic==2.*`.",
            )


# --- the environment pip runs in ---------------------------------------------------------------


def pip_environment() -> Dict[str, str]:
    """The environment pip runs in: the user's, made safe for an unattended `--target` install.

    Unbuffered UTF-8 output, so lines stream as pip writes them; PYTHONHOME and PYTHONPATH
    removed, since they may point at another Python's libraries (the editor's); a pip
    configuration's `user = true` or `require-virtualenv` would refuse `--target`; the warning
    about running as root concerns installs into a system Python, not into a folder.
    """
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONHOME", "PYTHONPATH")
    }
    env.update(
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
        PIP_USER="0",
        PIP_REQUIRE_VIRTUALENV="0",
        PIP_ROOT_USER_ACTION="ignore",
    )
    return env
