from __future__ import annotations

import os

import pytest

from lambda_editor import boto_install


def test_the_library_folder_is_the_hosts_own_entry_on_sys_path() -> None:
    sys_path = ["/opt/st/Lib/python3.8.zip", "/data/Lib/python38", "/data/Lib/python33"]

    folder = boto_install.library_folder(sys_path, "/data/Packages", (3, 8))

    assert folder == boto_install.LibraryFolder("/data/Lib/python38", on_sys_path=True)
    assert folder.warning is None


def test_a_host_reading_another_versions_folder_installs_there() -> None:
    """The 3.14 host of build 4213 has Lib/python38, not Lib/python314, on its sys.path."""
    sys_path = ["/opt/st/Lib/python314.zip", "/data/Lib/python33", "/data/Lib/python38/"]

    folder = boto_install.library_folder(sys_path, "/data/Packages", (3, 14))

    assert folder == boto_install.LibraryFolder("/data/Lib/python38/", on_sys_path=True)


def test_without_one_on_sys_path_it_sits_beside_packages_with_a_warning() -> None:
    folder = boto_install.library_folder(["/opt/st/lib"], os.path.join("data", "Packages"), (3, 14))

    assert folder.path == os.path.join("data", "Lib", "python314")
    assert not folder.on_sys_path
    assert folder.warning is not None
    assert folder.path in folder.warning
    assert "sys.path" in folder.warning


def test_pip_targets_the_host_python_with_wheels_only_and_no_bytecode() -> None:
    command = boto_install.pip_command("/usr/bin/python3", "/data/Lib/python314", (3, 14))

    assert command[:4] == ["/usr/bin/python3", "-m", "pip", "install"]
    assert command[command.index("--target") + 1] == "/data/Lib/python314"
    assert command[command.index("--python-version") + 1] == "3.14"
    assert "--only-binary=:all:" in command
    assert "--no-compile" in command
    assert set(boto_install.LIBRARIES) <= set(command)


@pytest.mark.parametrize(
    ("version", "urllib3"),
    [
        ((3, 8), "urllib3<1.27"),
        ((3, 9), "urllib3<1.27"),
        ((3, 10), "urllib3"),
        ((3, 14), "urllib3"),
    ],
)
def test_urllib3_is_pinned_where_botocore_requires_it(
    version: tuple[int, int], urllib3: str
) -> None:
    """botocore 1.37.38 requires `urllib3<1.27,>=1.25.4; python_version < "3.10"`, a marker pip
    evaluates with the Python that runs it: a 3.12 pip would pick urllib3 2 for a 3.8 host."""
    command = boto_install.pip_command("/usr/bin/python3", "/data/Lib/python38", version)

    assert [arg for arg in command if arg.startswith("urllib3")] == [urllib3]
    others = [name for name in boto_install.LIBRARIES if name != "urllib3"]
    assert set(others) <= set(command)


def test_dependencies_json_lists_the_same_closure() -> None:
    import json
    from pathlib import Path

    declared = json.loads((Path(__file__).parent.parent / "dependencies.json").read_text())

    assert sorted(declared["*"][">=4050"]) == sorted(boto_install.LIBRARIES)
