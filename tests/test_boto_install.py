"""Installing boto3 for the plugin host: where, and never over Package Control's libraries.

pip really runs, offline: every run gets `--no-index --find-links <wheels built here>` through the
environment, with small wheels that imitate boto3's family (versions, Requires-Python, pins).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from wheels import build_wheel

from lambda_editor import boto_install
from lambda_editor.errors import LambdaEditorError

REPO = Path(__file__).resolve().parent.parent
OLD_PYTHON = ">=3.8"
NEW_PYTHON = ">=3.9"  # boto3 1.38 dropped Python 3.8


@pytest.fixture
def wheelhouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """boto3's family as small wheels: the 1.37 line for Python 3.8, the 1.38 line after it."""
    house = tmp_path / "wheelhouse"
    for line, python in (("1.37", OLD_PYTHON), ("1.38", NEW_PYTHON)):
        build_wheel(
            str(house),
            "boto3",
            f"{line}.5",
            requires=[f"botocore=={line}.5", "s3transfer<0.12", "jmespath"],
            requires_python=python,
        )
        build_wheel(
            str(house),
            "botocore",
            f"{line}.5",
            requires=["jmespath", "python-dateutil", 'urllib3<1.27; python_version < "3.10"'],
            requires_python=python,
        )
    build_wheel(str(house), "s3transfer", "0.11.4", requires=["botocore"])
    build_wheel(str(house), "jmespath", "1.0.1")
    build_wheel(str(house), "six", "1.17.0", files={"six.py": "VERSION = '1.17.0'\n"})
    build_wheel(
        str(house), "python-dateutil", "2.9.0", files={"dateutil/__init__.py": "X = 'staged'\n"}
    )
    for version in ("1.26.20", "2.2.3"):
        build_wheel(str(house), "urllib3", version)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(house))
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    return house


def data_folder(tmp_path: Path) -> Path:
    """A Sublime data folder whose Lib/python38 holds what Package Control installed for others."""
    data = tmp_path / "sublime-text"
    (data / "Packages" / "User").mkdir(parents=True)
    library = data / "Lib" / "python38"
    managed = {
        "urllib3": {"urllib3/__init__.py": "__version__ = '2.2.3'\n"},
        "six": {"six.py": "__version__ = '1.17.0'\n"},
        "python_dateutil": {"dateutil/__init__.py": "X = 'package control'\n"},
        "jmespath": {"jmespath/__init__.py": "X = 'package control'\n"},
    }
    for dist, files in managed.items():
        info = library / f"{dist}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "INSTALLER").write_text("Package Control\n")
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        for path, text in files.items():
            (library / path).parent.mkdir(parents=True, exist_ok=True)
            (library / path).write_text(text)
        (info / "RECORD").write_text("".join(f"{path},,\n" for path in files))
    (library / "other_package_lib").mkdir()
    (library / "other_package_lib" / "__init__.py").write_text("# another package's library\n")
    return data


def host(data: Path, version: tuple[int, int] = (3, 8)) -> boto_install.PluginHost:
    return boto_install.plugin_host(str(data / "Packages"), version, [])


OWN = ("boto3", "botocore", "s3transfer")


def is_own(top_entry: str) -> bool:
    """boto3/, boto3-1.37.5.dist-info/ and the same for botocore and s3transfer."""
    return top_entry.split("-", maxsplit=1)[0] in OWN


def others(folder: Path) -> Dict[str, str]:
    """Every file of the other libraries in the folder, with its content hash."""
    found: Dict[str, str] = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not is_own(relative.parts[0]):
            found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def own_entries(folder: Path) -> List[str]:
    return sorted(entry.name for entry in folder.iterdir() if is_own(entry.name))


# Where


def test_the_library_folder_is_the_data_folders_not_the_installations() -> None:
    """The host lists the installation's Lib/python38 first: it is not writable, nor kept."""
    sys_path = ["/opt/sublime_text/Lib/python38", "/home/u/.config/sublime-text/Lib/python38"]

    found = boto_install.plugin_host("/home/u/.config/sublime-text/Packages", (3, 8), sys_path)

    assert found.library_folder == os.path.abspath("/home/u/.config/sublime-text/Lib/python38")
    assert found.on_sys_path
    assert found.describe() == "Sublime Text's Python 3.8 plugin host"


def test_the_314_host_has_a_library_folder_of_its_own() -> None:
    found = boto_install.plugin_host("/data/Packages", (3, 14), ["/data/Lib/python38"])

    assert found.library_folder == os.path.abspath("/data/Lib/python314")
    assert not found.on_sys_path


# What


def test_only_boto3_botocore_and_s3transfer_move_in_and_the_rest_is_untouched(
    wheelhouse: Path, tmp_path: Path
) -> None:
    data = data_folder(tmp_path)
    library = data / "Lib" / "python38"
    before = others(library)
    lines: List[str] = []

    installed = boto_install.install_boto3(host(data), sys.executable, lines.append)

    assert installed == ["boto3 1.37.5", "botocore 1.37.5", "s3transfer 0.11.4"]
    assert others(library) == before  # urllib3, six, dateutil, jmespath: byte for byte
    assert own_entries(library) == [
        "boto3",
        "boto3-1.37.5.dist-info",
        "botocore",
        "botocore-1.37.5.dist-info",
        "s3transfer",
        "s3transfer-0.11.4.dist-info",
    ]
    assert sorted(os.listdir(data / "Lib")) == ["python38"]  # no staging folder left behind
    assert any("--python-version 3.8" in line for line in lines)


def test_an_earlier_boto3_of_ours_is_replaced_with_its_dist_info(
    wheelhouse: Path, tmp_path: Path
) -> None:
    data = data_folder(tmp_path)
    library = data / "Lib" / "python38"
    (library / "boto3").mkdir()
    (library / "boto3" / "stale.py").write_text("")
    (library / "boto3-1.20.0.dist-info").mkdir()
    (library / "boto3-1.20.0.dist-info" / "INSTALLER").write_text("pip\n")

    boto_install.install_boto3(host(data), sys.executable, lambda line: None)

    assert not (library / "boto3" / "stale.py").exists()
    assert "boto3-1.20.0.dist-info" not in own_entries(library)
    assert "boto3-1.37.5.dist-info" in own_entries(library)


def test_the_314_host_gets_releases_for_314_in_its_own_folder(
    wheelhouse: Path, tmp_path: Path
) -> None:
    data = data_folder(tmp_path)
    lines: List[str] = []

    installed = boto_install.install_boto3(host(data, (3, 14)), sys.executable, lines.append)

    assert any(" --python-version 3.14 " in line for line in lines)
    assert (data / "Lib" / "python314" / f"boto3-{installed[0].split()[1]}.dist-info").is_dir()
    assert not (data / "Lib" / "python38" / "boto3").exists()
    if sys.version_info >= (3, 10):  # the 3.8 environment's pip 23.0 settles for 1.37 here
        assert installed[0] == "boto3 1.38.5"


def test_a_boto3_that_package_control_manages_is_left_alone(
    wheelhouse: Path, tmp_path: Path
) -> None:
    data = data_folder(tmp_path)
    library = data / "Lib" / "python38"
    (library / "boto3").mkdir()
    (library / "boto3-1.0.dist-info").mkdir()
    (library / "boto3-1.0.dist-info" / "INSTALLER").write_text("Package Control\n")
    before = sorted(path.as_posix() for path in library.rglob("*"))

    with pytest.raises(LambdaEditorError, match="managed by Package Control"):
        boto_install.install_boto3(host(data), sys.executable, lambda line: None)

    assert sorted(path.as_posix() for path in library.rglob("*")) == before
    assert sorted(os.listdir(data / "Lib")) == ["python38"]


def test_a_move_that_fails_puts_everything_back(
    wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = data_folder(tmp_path)
    library = data / "Lib" / "python38"
    (library / "boto3").mkdir()
    (library / "boto3" / "old.py").write_text("old = True\n")
    (library / "boto3-1.20.0.dist-info").mkdir()
    before = sorted(path.as_posix() for path in library.rglob("*"))
    replace = os.replace

    def failing_for_botocore(source: str, destination: str) -> None:
        if os.path.basename(destination) == "botocore":
            raise PermissionError(13, "Permission denied")
        replace(source, destination)

    monkeypatch.setattr(os, "replace", failing_for_botocore)

    with pytest.raises(LambdaEditorError, match="Nothing there was changed"):
        boto_install.install_boto3(host(data), sys.executable, lambda line: None)

    assert sorted(path.as_posix() for path in library.rglob("*")) == before
    assert sorted(os.listdir(data / "Lib")) == ["python38"]


def test_a_failed_pip_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "empty-wheelhouse"))
    data = data_folder(tmp_path)
    before = others(data / "Lib" / "python38")
    lines: List[str] = []

    with pytest.raises(LambdaEditorError, match="pip failed"):
        boto_install.install_boto3(host(data), sys.executable, lines.append)

    assert any("No matching distribution found for boto3" in line for line in lines)
    assert others(data / "Lib" / "python38") == before
    assert sorted(os.listdir(data / "Lib")) == ["python38"]


def test_leftovers_of_an_interrupted_install_are_cleared(wheelhouse: Path, tmp_path: Path) -> None:
    data = data_folder(tmp_path)
    (data / "Lib" / ".lambda-editor-abcd1234" / "boto3").mkdir(parents=True)
    (data / "Lib" / "python38" / ".lambda-editor-old-abcd1234").mkdir()

    boto_install.install_boto3(host(data), sys.executable, lambda line: None)

    assert sorted(os.listdir(data / "Lib")) == ["python38"]
    assert not [e for e in os.listdir(data / "Lib" / "python38") if e.startswith(".")]


def test_missing_libraries_names_what_each_step_installs(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = {"botocore", "urllib3"}
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name: None if name in absent else object(),
    )

    missing = boto_install.missing_libraries()

    assert (missing.own, missing.channel) == (("botocore",), ("urllib3",))
    assert missing.describe() == "botocore, urllib3"
    note = boto_install.channel_note(missing)
    assert note is not None and "Satisfy Libraries" in note and "urllib3" in note


def test_dependencies_json_lists_what_the_channel_provides_and_nothing_else() -> None:
    """The channel has no boto3, botocore or s3transfer for the 3.8 and 3.14 hosts: listing them
    would end "Satisfy Libraries" in an error for every user."""
    declared = json.loads((REPO / "dependencies.json").read_text())

    assert declared == {"*": {">=4050": sorted(n for n, _ in boto_install.CHANNEL_LIBRARIES)}}
