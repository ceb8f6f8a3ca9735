"""Dependencies into vendor/: platform tags, real pip against local wheels, merge, removal, size
report and the handler's bootstrap lines.

pip never reaches a network: every run gets `--no-index --find-links <wheels built here>`, and the
machine's pip configuration is switched off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import venv
from pathlib import Path
from typing import Any, Iterator, List, Optional, Sequence

import pytest
import wheels
from test_locking import held_by_another_process

from lambda_editor.dependencies import bootstrap, size, vendor
from lambda_editor.dependencies.bootstrap import BootstrapPlan
from lambda_editor.dependencies.dists import InstalledDist, list_installed
from lambda_editor.dependencies.pip_install import (
    InstallCancelledError,
    NoWheelError,
    PipOptions,
    check_pip,
    install_dependencies,
    is_pure_wheel,
    packages_without_wheel,
)
from lambda_editor.dependencies.vendor import remove_dependency, vendor_change
from lambda_editor.dependencies.workflow import install_and_deploy
from lambda_editor.errors import LambdaEditorError
from lambda_editor.limits import DIRECT_UPLOAD_LIMIT, UNZIPPED_LIMIT
from lambda_editor.packaging.builder import build_package
from lambda_editor.pip_platform import build_pip_command, lambda_platform, pip_platform_args
from lambda_editor.workspace import Binding, Workspace

PLATFORMS = ("manylinux2014_x86_64", "manylinux2014_aarch64", "manylinux_2_28_x86_64")


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = str(tmp_path_factory.mktemp("wheelhouse"))
    for python in ("cp311", "cp312"):
        for platform in PLATFORMS:
            wheels.build_wheel(
                folder,
                "tinynative",
                "1.0",
                f"{python}-{python}-{platform}",
                {"tinynative/__init__.py": "", "tinynative/_platform.txt": platform},
            )
    wheels.build_wheel(folder, "tinypure", "1.0")
    wheels.build_wheel(folder, "tinynew", "1.0", "cp311-cp311-manylinux_2_28_x86_64")
    wheels.build_sdist(folder, "tinysrc", "1.0")
    wheels.build_sdist(folder, "tinyc", "1.0", "cp311-cp311-linux_x86_64")
    return folder


@pytest.fixture
def offline_pip(monkeypatch: pytest.MonkeyPatch, wheelhouse: str) -> List[str]:
    """No pip configuration from this machine; the pip options that keep it offline."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    return ["--no-index", "--find-links", wheelhouse, "--no-cache-dir"]


@pytest.fixture
def root(tmp_path: Path) -> str:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return str(folder)


def add_lines(source: str, depth: int = 0) -> str:
    """The module with the bootstrap lines added, as the commands would write it."""
    return bootstrap.plan_vendor_bootstrap(source, depth).new_source


def install(
    root: str,
    runtime: str,
    architecture: str,
    specs: Sequence[str],
    pip_args: Sequence[str],
    *,
    allow_source_for: Sequence[str] = (),
    **options: Any,
) -> List[str]:
    pip = PipOptions(sys.executable, pip_args, allow_source_for)
    return install_dependencies(root, runtime, architecture, specs, options=pip, **options)


def merge(root: str, site: str) -> List[str]:
    """Merge a folder pip installed into into root/vendor, as an install does."""
    with vendor_change(root) as change:
        return change.merge(site)


def platform_marker(root: str) -> str:
    with open(os.path.join(root, "vendor", "tinynative", "_platform.txt")) as marker:
        return marker.read()


def tree_digest(folder: str) -> str:
    """Every path (folders too), file content and link target under folder."""
    digest = hashlib.sha256()
    for parent, dirs, files in sorted(os.walk(folder)):
        dirs.sort()
        digest.update(f"D {os.path.relpath(parent, folder)}\n".encode())
        for name in sorted(files):
            path = os.path.join(parent, name)
            digest.update(f"F {os.path.relpath(path, folder)}\n".encode())
            if os.path.islink(path):
                digest.update(os.readlink(path).encode())
            else:
                with open(path, "rb") as source:
                    digest.update(source.read())
    return digest.hexdigest()


def staging_leftovers(root: str) -> List[str]:
    metadata = os.path.join(root, ".lambda-editor")
    return [name for name in os.listdir(metadata) if name.startswith("staging-")]


def stage(tmp_path: Path, *wheel_paths: str) -> str:
    """A folder holding these wheels unpacked, as `pip install --target` leaves them."""
    site = tmp_path / f"site-{len(list(tmp_path.iterdir()))}"
    for wheel in wheel_paths:
        wheels.unpack_wheel(wheel, str(site))
    return str(site)


# --- platform tags ----------------------------------------------------------------------------


def test_al2023_runtime_accepts_manylinux_up_to_glibc_2_34_newest_first() -> None:
    tags = lambda_platform("python3.12", "x86_64").platform_tags()
    assert tags[0] == "manylinux_2_34_x86_64"
    assert "manylinux_2_35_x86_64" not in tags
    for legacy in ("manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"):
        assert legacy in tags
    assert tags.index("manylinux_2_28_x86_64") < tags.index("manylinux2014_x86_64")
    assert lambda_platform("python3.13", "x86_64").platform_tags() == tags


def test_al2_runtime_never_accepts_manylinux_2_27_or_newer() -> None:
    tags = lambda_platform("python3.11", "x86_64").platform_tags()
    assert tags[0] == "manylinux_2_26_x86_64"
    assert not any(f"manylinux_2_{minor}_" in tag for tag in tags for minor in range(27, 40))
    assert "manylinux2014_x86_64" in tags
    assert lambda_platform("python3.9", "x86_64").glibc == (2, 26)


def test_arm64_gets_aarch64_tags_from_manylinux2014_on() -> None:
    tags = lambda_platform("python3.12", "arm64").platform_tags()
    assert all(tag.endswith("_aarch64") for tag in tags)
    assert tags[-2:] == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]


def test_pip_platform_args_name_implementation_version_and_binary_only() -> None:
    args = pip_platform_args("python3.11", "arm64")
    assert args[:5] == ["--implementation", "cp", "--python-version", "3.11", "--only-binary=:all:"]
    platforms = [args[i + 1] for i, arg in enumerate(args) if arg == "--platform"]
    assert platforms == lambda_platform("python3.11", "arm64").platform_tags()


@pytest.mark.parametrize(
    ("runtime", "architecture", "expected"),
    [
        ("nodejs20.x", "x86_64", "runs nodejs20.x"),
        (None, "x86_64", "container image"),
        ("python3.12", "sparc", "Unknown Lambda architecture"),
    ],
)
def test_non_python_runtime_or_unknown_architecture_is_refused(
    runtime: Optional[str], architecture: str, expected: str
) -> None:
    with pytest.raises(LambdaEditorError, match=expected):
        lambda_platform(runtime, architecture)


def test_pip_command_targets_the_staging_folder_for_the_platform() -> None:
    argv = build_pip_command(
        "/usr/bin/python3",
        "/stage",
        ["requests==2.*"],
        "requirements.txt",
        runtime="python3.12",
        architecture="x86_64",
        extra_pip_args=["--no-index"],
    )
    assert argv[:4] == ["/usr/bin/python3", "-m", "pip", "install"]
    assert argv[argv.index("--target") + 1] == "/stage"
    assert "--no-compile" in argv
    assert argv[-4:] == ["--no-index", "-r", "requirements.txt", "requests==2.*"]
    with pytest.raises(LambdaEditorError, match="pip option"):
        build_pip_command("py", "/s", ["-e", "."], runtime="python3.12", architecture="x86_64")
    with pytest.raises(LambdaEditorError, match="Nothing to install"):
        build_pip_command("py", "/s", [], runtime="python3.12", architecture="x86_64")


def test_packages_without_wheel_are_read_from_pip_output() -> None:
    output = [
        "ERROR: Could not find a version that satisfies the requirement Numpy_X>=2 "
        "(from tinyapp) (from versions: none)",
        "ERROR: No matching distribution found for numpy-x>=2",
        "ERROR: No matching distribution found for other",
    ]
    assert packages_without_wheel(output) == ["Numpy_X", "other"]


def test_pure_wheels_are_told_from_compiled_ones() -> None:
    assert is_pure_wheel("a-1.0-py3-none-any.whl")
    assert is_pure_wheel("a-1.0-py2.py3-none-any.whl")
    assert not is_pure_wheel("a-1.0-cp312-cp312-linux_x86_64.whl")
    assert not is_pure_wheel("a-1.0-cp312-abi3-manylinux2014_x86_64.whl")
    assert not is_pure_wheel("a-1.0.tar.gz")


# --- pip ---------------------------------------------------------------------------------------

THIS_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def other_runtime() -> str:
    """A Lambda runtime whose Python version is not this one's."""
    return "python3.12" if THIS_PYTHON == "3.11" else "python3.11"


def test_missing_pip_says_how_to_get_it(tmp_path: Path) -> None:
    venv.create(str(tmp_path / "nopip"), with_pip=False)
    python = str(tmp_path / "nopip" / "bin" / "python")
    with pytest.raises(LambdaEditorError, match="pip is not available") as raised:
        check_pip(python)
    assert "ensurepip" in str(raised.value)


# --- real pip: the function's platform, whatever this machine is ------------------------------


def test_arm64_function_gets_the_aarch64_wheel(root: str, offline_pip: List[str]) -> None:
    lines: List[str] = []
    installed = install(
        root, "python3.12", "arm64", ["tinynative", "tinypure"], offline_pip, on_output=lines.append
    )
    assert installed == ["tinynative==1.0", "tinypure==1.0"]
    assert platform_marker(root) == "manylinux2014_aarch64"
    vendor = os.listdir(os.path.join(root, "vendor"))
    assert {"tinynative-1.0.dist-info", "tinypure-1.0.dist-info"} <= set(vendor)
    for _parent, dirs, files in os.walk(os.path.join(root, "vendor")):
        assert "__pycache__" not in dirs
        assert not [name for name in files if name.endswith(".pyc")]
    assert any("Successfully installed" in line for line in lines)
    assert lines[-1] == "Installed into vendor/: tinynative==1.0, tinypure==1.0."
    assert staging_leftovers(root) == []


def test_the_version_warning_is_shown_before_pip_runs(root: str, offline_pip: List[str]) -> None:
    lines: List[str] = []
    install(root, other_runtime(), "x86_64", ["tinypure"], offline_pip, on_output=lines.append)
    notes = [i for i, line in enumerate(lines) if line.startswith("Note: pip runs with Python")]
    assert f"Python {THIS_PYTHON} but the function runs {other_runtime()}" in lines[notes[0]]
    commands = [i for i, line in enumerate(lines) if line.startswith("$ ")]
    assert len(notes) == 1
    assert commands
    assert notes[0] < commands[0]


def test_al2023_x86_64_function_may_get_a_manylinux_2_28_wheel(
    root: str, offline_pip: List[str]
) -> None:
    install(root, "python3.12", "x86_64", ["tinynative"], offline_pip)
    assert platform_marker(root) == "manylinux_2_28_x86_64"


def test_al2_function_gets_manylinux2014_rather_than_2_28(
    root: str, offline_pip: List[str]
) -> None:
    install(root, "python3.11", "x86_64", ["tinynative"], offline_pip)
    assert platform_marker(root) == "manylinux2014_x86_64"


def test_no_wheel_for_al2_names_the_package_and_leaves_vendor_untouched(
    root: str, tmp_path: Path, wheelhouse: str, offline_pip: List[str]
) -> None:
    merge(root, stage(tmp_path, os.path.join(wheelhouse, "tinypure-1.0-py3-none-any.whl")))
    before = tree_digest(root)
    with pytest.raises(NoWheelError) as raised:
        install(root, "python3.11", "x86_64", ["tinynew", "tinypure"], offline_pip)
    assert raised.value.packages == ["tinynew"]
    assert "tinynew" in str(raised.value)
    assert "glibc 2.26" in str(raised.value)
    assert "manylinux_2_28" in str(raised.value)
    assert tree_digest(root) == before


def test_cancelled_install_leaves_vendor_untouched(
    root: str, tmp_path: Path, wheelhouse: str, offline_pip: List[str]
) -> None:
    merge(root, stage(tmp_path, os.path.join(wheelhouse, "tinypure-1.0-py3-none-any.whl")))
    before = tree_digest(root)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InstallCancelledError):
        install(root, "python3.12", "x86_64", ["tinynative"], offline_pip, cancel=cancel)
    assert tree_digest(root) == before


def test_pure_python_package_without_wheel_installs_when_source_build_is_allowed(
    root: str, offline_pip: List[str]
) -> None:
    install(
        root, "python3.12", "x86_64", ["tinysrc==1.0"], offline_pip, allow_source_for=["tinysrc"]
    )
    assert [dist.name for dist in list_installed(root)] == ["tinysrc"]
    assert os.path.isfile(os.path.join(root, "vendor", "tinysrc", "__init__.py"))


def test_source_build_with_compiled_code_is_refused(root: str, offline_pip: List[str]) -> None:
    with pytest.raises(LambdaEditorError, match="tinyc is not pure Python"):
        install(root, "python3.12", "x86_64", ["tinyc"], offline_pip, allow_source_for=["tinyc"])
    assert not os.path.exists(os.path.join(root, "vendor"))


# --- merging into vendor/ and removing (no pip: wheels unpacked the way pip lays them out) ----


def test_upgrade_removes_the_old_version_files_and_keeps_the_rest(
    root: str, tmp_path: Path
) -> None:
    wheel_dir = str(tmp_path / "wheels")
    old = wheels.build_wheel(
        wheel_dir, "tinylib", "1.0", files={"tinylib/__init__.py": "", "tinylib/old.py": ""}
    )
    new = wheels.build_wheel(
        wheel_dir, "tinylib", "2.0", files={"tinylib/__init__.py": "", "tinylib/new.py": ""}
    )
    merge(root, stage(tmp_path, old))
    vendor = os.path.join(root, "vendor")
    with open(os.path.join(vendor, "mine.py"), "w") as own:
        own.write("# the user's own file\n")
    os.mkdir(os.path.join(vendor, "tinylib", "__pycache__"))

    assert merge(root, stage(tmp_path, new)) == ["tinylib==2.0"]
    assert sorted(os.listdir(os.path.join(vendor, "tinylib"))) == ["__init__.py", "new.py"]
    assert sorted(os.listdir(vendor)) == ["mine.py", "tinylib", "tinylib-2.0.dist-info"]
    assert [(d.name, d.version) for d in list_installed(root)] == [("tinylib", "2.0")]


def test_merge_failing_halfway_leaves_vendor_untouched(
    root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel_dir = str(tmp_path / "wheels")
    old = wheels.build_wheel(wheel_dir, "tinylib", "1.0", files={"tinylib/old.py": ""})
    new = wheels.build_wheel(wheel_dir, "tinylib", "2.0", files={"tinylib/new.py": ""})
    merge(root, stage(tmp_path, old))
    before = tree_digest(root)
    moves = []
    real_move = shutil.move

    def disk_full_on_the_second_move(source: str, target: str) -> Any:
        moves.append(source)
        if len(moves) == 2:
            raise OSError(28, "No space left on device")
        return real_move(source, target)

    monkeypatch.setattr(shutil, "move", disk_full_on_the_second_move)
    with pytest.raises(LambdaEditorError, match="No space left") as raised:
        merge(root, stage(tmp_path, new))
    assert "vendor/ is unchanged" in str(raised.value)
    assert tree_digest(root) == before


def test_namespace_package_shared_by_two_distributions_is_merged(root: str, tmp_path: Path) -> None:
    wheel_dir = str(tmp_path / "wheels")
    first = wheels.build_wheel(wheel_dir, "ns-a", "1.0", files={"ns/a.py": "A = 1\n"})
    second = wheels.build_wheel(wheel_dir, "ns-b", "1.0", files={"ns/b.py": "B = 1\n"})
    merge(root, stage(tmp_path, first))
    merge(root, stage(tmp_path, second))
    assert sorted(os.listdir(os.path.join(root, "vendor", "ns"))) == ["a.py", "b.py"]

    remove_dependency(root, "NS_A")
    assert os.listdir(os.path.join(root, "vendor", "ns")) == ["b.py"]


def test_unowned_folder_is_replaced_and_bytecode_dropped(root: str, tmp_path: Path) -> None:
    stale = os.path.join(root, "vendor", "tinypure")
    os.makedirs(stale)
    with open(os.path.join(stale, "stale.py"), "w"):
        pass
    site = stage(tmp_path, wheels.build_wheel(str(tmp_path / "w"), "tinypure", "1.0"))
    os.makedirs(os.path.join(site, "tinypure", "__pycache__"))
    with open(os.path.join(site, "tinypure", "compiled.pyc"), "wb"):
        pass
    merge(root, site)
    assert os.listdir(stale) == ["__init__.py"]


def test_remove_deletes_the_recorded_files_and_prunes_empty_folders(
    root: str, tmp_path: Path
) -> None:
    wheel_dir = str(tmp_path / "wheels")
    merge(
        root,
        stage(
            tmp_path,
            wheels.build_wheel(wheel_dir, "tinylib", "1.0", files={"tinylib/sub/mod.py": ""}),
            wheels.build_wheel(wheel_dir, "tinypure", "1.0"),
        ),
    )
    os.mkdir(os.path.join(root, "vendor", "tinylib", "sub", "__pycache__"))

    removed = remove_dependency(root, "tinylib")
    assert (removed.name, removed.version) == ("tinylib", "1.0")
    assert sorted(os.listdir(os.path.join(root, "vendor"))) == [
        "tinypure",
        "tinypure-1.0.dist-info",
    ]
    with pytest.raises(LambdaEditorError, match="It holds: tinypure"):
        remove_dependency(root, "tinylib")


def test_record_entries_leaving_vendor_are_ignored(root: str, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("keep me\n")
    site = stage(tmp_path, wheels.build_wheel(str(tmp_path / "w"), "tinypure", "1.0"))
    record = os.path.join(site, "tinypure-1.0.dist-info", "RECORD")
    with open(record, "a") as lines:
        lines.write(f"../../../../outside.py,,\n{outside},,\n../../bin/tinytool,,\n")
    os.mkdir(os.path.join(site, "bin"))
    with open(os.path.join(site, "bin", "tinytool"), "w"):
        pass
    merge(root, site)

    remove_dependency(root, "tinypure")
    assert outside.read_text() == "keep me\n"
    assert os.listdir(os.path.join(root, "vendor")) == []


def test_vendor_is_put_back_after_a_swap_interrupted_between_renames(
    root: str, tmp_path: Path
) -> None:
    merge(root, stage(tmp_path, wheels.build_wheel(str(tmp_path / "w"), "tinypure", "1.0")))
    before = tree_digest(os.path.join(root, "vendor"))
    interrupted = os.path.join(root, ".lambda-editor", "staging-dead")
    os.makedirs(interrupted)
    os.replace(os.path.join(root, "vendor"), os.path.join(interrupted, "vendor-old"))

    assert list_installed(root) == []
    with pytest.raises(LambdaEditorError, match="not installed"):
        remove_dependency(root, "absent")
    assert tree_digest(os.path.join(root, "vendor")) == before
    assert staging_leftovers(root) == []


# --- the lock between processes -----------------------------------------------------------------


HOLD_DEPS_LOCK = (
    "import sys; from lambda_editor.locking import held_or_refused; "
    "lock = held_or_refused(sys.argv[1], 'busy', ''); lock.__enter__(); "
    "print('held', flush=True); sys.stdin.read()"
)


@pytest.fixture
def other_install(root: str) -> Iterator[subprocess.Popen]:  # type: ignore[type-arg]
    """Another process holding the workspace's dependency lock until it is killed."""
    lock = os.path.join(root, ".lambda-editor", vendor.LOCK_FILE)
    with held_by_another_process(HOLD_DEPS_LOCK, lock) as process:
        yield process


def test_a_running_install_keeps_another_from_starting_or_cleaning_its_staging(
    root: str,
    tmp_path: Path,
    other_install: subprocess.Popen,  # type: ignore[type-arg]
) -> None:
    in_progress = os.path.join(root, ".lambda-editor", "staging-other")
    os.makedirs(os.path.join(in_progress, "site"))

    with pytest.raises(LambdaEditorError, match="Another dependency install"):
        remove_dependency(root, "tinypure")
    with pytest.raises(LambdaEditorError, match="running for this function"):
        merge(root, stage(tmp_path))
    assert os.path.isdir(os.path.join(in_progress, "site"))
    assert list_installed(root) == []


def test_a_lock_whose_holder_was_killed_is_free_and_its_staging_cleaned(
    root: str,
    tmp_path: Path,
    other_install: subprocess.Popen,  # type: ignore[type-arg]
) -> None:
    os.makedirs(os.path.join(root, ".lambda-editor", "staging-dead"))
    other_install.kill()  # SIGKILL: the OS releases its lock, nothing else does
    other_install.wait(10)

    merge(root, stage(tmp_path, wheels.build_wheel(str(tmp_path / "w"), "tinypure", "1.0")))
    assert [dist.name for dist in list_installed(root)] == ["tinypure"]
    assert staging_leftovers(root) == []


# --- size report ------------------------------------------------------------------------------


def test_size_report_measures_the_built_package(root: str, tmp_path: Path) -> None:
    merge(root, stage(tmp_path, wheels.build_wheel(str(tmp_path / "w"), "tinypure", "1.0")))
    report = size.size_report(root)
    built = build_package(root)
    assert (report.unzipped_size, report.zipped_size) == (built.unzipped_size, len(built.data))
    assert (report.unzipped_limit, report.zipped_limit) == (UNZIPPED_LIMIT, DIRECT_UPLOAD_LIMIT)
    assert report.biggest == ()
    assert "of Lambda's 250.0 MB limit" in report.summary()
    assert "Biggest" not in report.summary()


def test_biggest_packages_are_named_close_to_a_limit() -> None:
    installed = [
        InstalledDist(f"pkg{i}", "1", size) for i, size in enumerate([5, 90, 40, 1, 2, 3, 70])
    ]
    quiet = size.make_size_report(100, 50, installed, unzipped_limit=1000, zipped_limit=1000)
    assert quiet.biggest == ()

    near_zip = size.make_size_report(100, 800, installed, unzipped_limit=1000, zipped_limit=1000)
    assert [dist.name for dist in near_zip.biggest] == ["pkg1", "pkg6", "pkg2", "pkg0", "pkg5"]
    assert "Biggest packages: pkg1 90 B, pkg6 70 B" in near_zip.summary()

    over = size.make_size_report(1200, None, installed, unzipped_limit=1000, zipped_limit=1000)
    assert over.biggest
    assert "Lambda refuses a package this large" in over.summary()
    assert "not zipped" in over.summary()

    direct = size.make_size_report(900, 1100, installed, unzipped_limit=2000, zipped_limit=1000)
    assert "through S3" in direct.summary()


def test_size_report_over_the_unzipped_limit_still_measures(
    root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(size, "UNZIPPED_LIMIT", 10)
    monkeypatch.setattr(
        size,
        "build_package",
        lambda root, exclude: (_ for _ in ()).throw(LambdaEditorError("too big")),
    )
    report = size.size_report(root)
    assert report.zipped_size is None
    assert report.unzipped_size == os.path.getsize(os.path.join(root, "app.py"))


# --- the handler's bootstrap lines ------------------------------------------------------------

HANDLER = '''#!/usr/bin/env python3
"""The handler.

More text.
"""
from __future__ import annotations

import json


def handler(event, context):
    return json.dumps(event)
'''


def test_bootstrap_goes_after_docstring_and_future_imports_once() -> None:
    plan = bootstrap.plan_vendor_bootstrap(HANDLER)
    assert plan.needed
    assert plan.line_number == 7
    assert plan.lines == bootstrap.vendor_bootstrap_lines()
    lines = plan.new_source.splitlines()
    assert lines[5] == "from __future__ import annotations"
    assert lines[7].startswith("# Lambda only puts")
    assert plan.new_source.count("sys.path.insert") == 1
    compile(plan.new_source, "handler.py", "exec")

    assert not bootstrap.vendor_bootstrap_needed(plan.new_source)
    assert add_lines(plan.new_source) == plan.new_source
    assert "line 7 of the handler module" in plan.preview


def test_bootstrap_without_docstring_goes_after_shebang_and_encoding() -> None:
    source = "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport json\n"
    lines = add_lines(source).splitlines()
    assert lines[:3] == ["#!/usr/bin/env python3", "# -*- coding: utf-8 -*-", ""]
    assert lines[3].startswith("# Lambda only puts")
    assert add_lines("").startswith("# Lambda only puts")


def test_bootstrap_keeps_windows_line_ends() -> None:
    new_source = add_lines('"""Doc."""\r\nimport json\r\n')
    assert "\n" not in new_source.replace("\r\n", "")


@pytest.mark.parametrize(
    "existing",
    [
        'sys.path.insert(0, os.path.join(HERE, "vendor"))',
        "sys.path.append(VENDOR_DIR)",
        'sys.path[0:0] = [str(Path(__file__).parent / "vendor")]',
        'site.addsitedir("vendor")',
    ],
)
def test_existing_vendor_path_setup_is_recognised(existing: str) -> None:
    assert not bootstrap.vendor_bootstrap_needed(f"import os, sys, site\n{existing}\n")


def test_commented_out_setup_does_not_count() -> None:
    assert bootstrap.vendor_bootstrap_needed('# sys.path.insert(0, "vendor")\nimport json\n')


def test_bootstrap_of_a_module_with_a_syntax_error_is_refused() -> None:
    with pytest.raises(LambdaEditorError, match="syntax error"):
        bootstrap.plan_vendor_bootstrap("def broken(:\n")


def test_bootstrap_lines_make_vendor_importable_from_a_nested_module(
    root: str, tmp_path: Path
) -> None:
    package = os.path.join(root, "vendor", "tinyvendored")
    os.makedirs(package)
    with open(os.path.join(package, "__init__.py"), "w") as module:
        module.write("VALUE = 42\n")
    handler = os.path.join(root, "pkg", "mod.py")
    os.makedirs(os.path.dirname(handler))
    depth = bootstrap.handler_module_depth(root, handler)
    assert depth == 1
    with open(handler, "w") as module:
        module.write(add_lines("import tinyvendored\nprint(tinyvendored.VALUE)\n", depth))

    completed = subprocess.run(
        [sys.executable, "-c", f"import runpy; runpy.run_path({handler!r})"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.stdout.strip() == "42", completed.stderr


def workspace_with_handler(root: str, handler: str) -> Workspace:
    binding = Binding.from_configuration(
        {
            "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
            "FunctionName": "fn",
            "Runtime": "python3.12",
            "Handler": handler,
            "Architectures": ["arm64"],
        },
        profile=None,
        endpoint_url=None,
    )
    return Workspace(root, binding, {})


def test_workspace_bootstrap_plan_reads_the_handler_file_at_its_depth(root: str) -> None:
    handler = os.path.join(root, "pkg", "mod.py")
    os.makedirs(os.path.dirname(handler))
    with open(handler, "w", newline="") as module:
        module.write('"""Doc."""\r\nimport json\r\n')
    plan = bootstrap.plan_bootstrap_for_workspace(workspace_with_handler(root, "pkg.mod.handler"))
    assert plan.path == handler
    assert plan.lines == bootstrap.vendor_bootstrap_lines(1)
    assert plan.new_source.startswith('"""Doc."""\r\n\r\n# Lambda only puts')
    assert "line 2 of mod.py" in plan.preview

    with pytest.raises(LambdaEditorError, match="handler file of fn"):
        bootstrap.plan_bootstrap_for_workspace(workspace_with_handler(root, "missing.handler"))


def test_apply_writes_the_planned_lines_and_keeps_the_files_mode(root: str) -> None:
    handler = os.path.join(root, "app.py")
    os.chmod(handler, 0o750)
    plan = bootstrap.plan_bootstrap_for_workspace(workspace_with_handler(root, "app.handler"))

    bootstrap.apply_bootstrap(plan)

    with open(handler, newline="") as module:
        assert module.read() == plan.new_source
    assert os.stat(handler).st_mode & 0o777 == 0o750
    assert os.listdir(root) == ["app.py"]  # no scratch file left behind


def test_apply_refuses_a_handler_changed_since_the_plan(root: str) -> None:
    handler = os.path.join(root, "app.py")
    plan = bootstrap.plan_bootstrap_for_workspace(workspace_with_handler(root, "app.handler"))
    with open(handler, "a") as module:
        module.write("# typed meanwhile\n")
    edited = Path(handler).read_text()

    with pytest.raises(LambdaEditorError, match=r"app\.py changed since the vendor/ lines were"):
        bootstrap.apply_bootstrap(plan)
    assert Path(handler).read_text() == edited


# --- the whole sequence -----------------------------------------------------------------------


def test_install_then_size_then_bootstrap_then_deploy(root: str, offline_pip: List[str]) -> None:
    steps = []

    def add_bootstrap(plan: BootstrapPlan) -> bool:
        steps.append(("asked", plan.path))
        return True

    outcome = install_and_deploy(
        workspace_with_handler(root, "app.handler"),
        ["tinypure"],
        add_bootstrap=add_bootstrap,
        deploy=lambda deployed: steps.append(("deployed", deployed)),
        pip=PipOptions(sys.executable, offline_pip),
        on_output=lambda line: steps.append(("output", line)),
    )

    assert outcome.installed == ["tinypure==1.0"]
    assert outcome.bootstrap_added
    assert outcome.size_report is not None
    handler = os.path.join(root, "app.py")
    installed = steps.index(("output", "Installed into vendor/: tinypure==1.0."))
    measured = steps.index(("output", outcome.size_report.summary()))
    asked = steps.index(("asked", handler))
    added = steps.index(("output", f"Added the vendor/ lines to {handler}."))
    deployed = steps.index(("deployed", root))
    assert installed < measured < asked < added < deployed == len(steps) - 1
    assert "sys.path.insert" in Path(handler).read_text()


def test_a_handler_that_cannot_be_planned_is_said_and_the_packages_still_deploy(
    root: str, offline_pip: List[str]
) -> None:
    deployed: List[str] = []
    asked: List[BootstrapPlan] = []

    def add_bootstrap(plan: BootstrapPlan) -> bool:
        asked.append(plan)
        return True

    outcome = install_and_deploy(
        workspace_with_handler(root, "missing.handler"),
        ["tinypure"],
        add_bootstrap=add_bootstrap,
        deploy=deployed.append,
        pip=PipOptions(sys.executable, offline_pip),
    )

    assert not outcome.bootstrap_added
    assert asked == []
    assert deployed == [root]


def test_a_failed_install_asks_nothing_and_deploys_nothing(
    root: str, offline_pip: List[str]
) -> None:
    deployed: List[str] = []
    with pytest.raises(NoWheelError):
        install_and_deploy(
            workspace_with_handler(root, "app.handler"),
            ["tinynew"],
            add_bootstrap=lambda plan: pytest.fail("asked after a failed install"),
            deploy=deployed.append,
            pip=PipOptions(sys.executable, offline_pip),
        )
    assert deployed == []
