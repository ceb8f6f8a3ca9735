from __future__ import annotations

import os

from lambda_editor import boto_install


def test_the_library_folder_is_the_hosts_own_entry_on_sys_path() -> None:
    sys_path = ["/opt/st/Lib/python3.8.zip", "/data/Lib/python38", "/data/Lib/python33"]

    assert boto_install.library_folder(sys_path, "/data/Packages", (3, 8)) == "/data/Lib/python38"


def test_without_it_on_sys_path_it_sits_beside_packages() -> None:
    folder = boto_install.library_folder([], os.path.join("data", "Packages"), (3, 14))

    assert folder == os.path.join("data", "Lib", "python314")


def test_pip_targets_the_host_python_with_wheels_only() -> None:
    command = boto_install.pip_command("/usr/bin/python3", "/data/Lib/python38", (3, 8))

    assert command[:4] == ["/usr/bin/python3", "-m", "pip", "install"]
    assert command[command.index("--target") + 1] == "/data/Lib/python38"
    assert command[command.index("--python-version") + 1] == "3.8"
    assert "--only-binary=:all:" in command
    assert set(boto_install.LIBRARIES) <= set(command)


def test_dependencies_json_lists_the_same_closure() -> None:
    import json
    from pathlib import Path

    declared = json.loads((Path(__file__).parent.parent / "dependencies.json").read_text())

    assert sorted(declared["*"][">=4050"]) == sorted(boto_install.LIBRARIES)
