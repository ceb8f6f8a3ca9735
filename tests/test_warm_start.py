"""Warm builds in a new process: the same bytes as a cold build, from entries proven ours."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List

import pytest

from lambda_editor import history, warm_start
from lambda_editor.aws import AwsTarget
from lambda_editor.errors import LambdaEditorError
from lambda_editor.packaging import builder, hash_index, manifest, zipwriter
from lambda_editor.packaging.builder import BuiltPackage, PackageBuilder, build_package
from lambda_editor.packaging.zipwriter import Deflated, zip_archive
from lambda_editor.pull import pull_function
from lambda_editor.workspace import Binding, Workspace

OLD = 1_000_000_000  # an mtime far older than the racy window
FILES = {
    "app.py": b"def handler(event, context):\n    return 1\n",
    "lib/a.py": b"A = 'first module'\n" * 40,
    "lib/b.py": b"B = 'second module'\n" * 40,
    "data/blob.bin": os.urandom(20_000),
    "bootstrap": b"#!/bin/sh\nexec python app.py\n",
}


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Forget what this process learnt, as a new `push` process starts."""

    def forget() -> None:
        monkeypatch.setattr(builder, "_recent", builder.RecentBuilders())
        monkeypatch.setattr(warm_start, "_loaded", set())
        monkeypatch.setattr(hash_index, "_on_disk", {})
        monkeypatch.setattr(manifest, "_cache", manifest._DigestCache())

    return forget


class Compressions:
    """Counts the files compressed (not copied) by builds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        deflate = zipwriter.deflate

        def counted(chunks: Iterable[bytes]) -> Deflated:
            self.count += 1
            return deflate(chunks)

        monkeypatch.setattr(builder, "deflate", counted)


class Reads:
    """Counts the files hashed by the no-op check."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        file_digest = manifest.file_digest

        def counted(path: str, st: os.stat_result) -> Any:
            if manifest.cached_digest(path, st) is None:
                self.count += 1
            return file_digest(path, st)

        monkeypatch.setattr(manifest, "file_digest", counted)


def write_tree(root: Path, files: Dict[str, bytes]) -> None:
    for rel_path, data in files.items():
        path = root / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, 0o755 if rel_path == "bootstrap" else 0o644)
        os.utime(path, ns=(OLD, OLD))


def configuration(code_sha256: str) -> Dict[str, Any]:
    return {
        "FunctionName": "my-fn",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
        "CodeSha256": code_sha256,
        "RevisionId": "rev-1",
    }


def cold_build(root: Path) -> BuiltPackage:
    """A build with nothing to copy from: every file read and compressed."""
    return PackageBuilder(str(root)).build()


@pytest.fixture
def deployed(tmp_path: Path, fresh_process: Callable[[], None]) -> Workspace:
    """A workspace whose files were just deployed, seen by a process started afterwards."""
    root = tmp_path / "my-fn"
    write_tree(root, FILES)
    built = build_package(str(root))
    config = configuration(built.sha256_b64)
    workspace = Workspace.create(
        str(root), Binding.from_configuration(config, None, None), built.manifest
    )
    warm_start.record_deploy(workspace, built, config, history.DEFAULT_LIMITS)
    fresh_process()
    return workspace


def warm_build(workspace: Workspace) -> BuiltPackage:
    """What a deploy in a new process builds."""
    warm_start.load_hashes(workspace.root)
    warm_start.offer_reusable_entries(workspace)
    return build_package(workspace.root)


def rewrite_keeping_mtime(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.utime(path, ns=(OLD, OLD))


EDITS: Dict[str, Callable[[Path], Any]] = {
    "changed": lambda root: (root / "lib/a.py").write_bytes(b"A = 'edited'\n"),
    "changed, mtime and size kept": lambda root: rewrite_keeping_mtime(
        root / "lib/a.py", FILES["lib/a.py"].replace(b"first", b"FIRST")
    ),
    "added": lambda root: (root / "lib/c.py").write_bytes(b"C = 3\n"),
    "added, a copy of another": lambda root: (root / "lib/c.py").write_bytes(FILES["lib/a.py"]),
    "removed": lambda root: (root / "lib/b.py").unlink(),
    "renamed": lambda root: (root / "lib/b.py").rename(root / "lib/renamed.py"),
    "made executable": lambda root: os.chmod(root / "lib/a.py", 0o755),
    "made not executable, mtime kept": lambda root: os.chmod(root / "bootstrap", 0o644),
}
COMPRESSED = {"changed": 1, "changed, mtime and size kept": 1, "added": 1}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_warm_build_in_a_new_process_is_the_cold_build_compressing_only_new_content(
    deployed: Workspace, edit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(deployed.root)
    EDITS[edit](root)
    compressions = Compressions(monkeypatch)

    warm = warm_build(deployed)

    assert compressions.count == COMPRESSED.get(edit, 0)
    assert warm.data == cold_build(root).data


@pytest.mark.skipif(shutil.which("unzip") is None, reason="needs unzip")
def test_a_warm_build_passes_unzip_test(deployed: Workspace, tmp_path: Path) -> None:
    EDITS["changed"](Path(deployed.root))
    archive = tmp_path / "warm.zip"
    archive.write_bytes(warm_build(deployed).data)
    tested = subprocess.run(
        ["unzip", "-t", str(archive)], capture_output=True, text=True, check=False
    )
    assert tested.returncode == 0, tested.stdout
    assert "No errors detected" in tested.stdout


def rewrite_newest(workspace: Workspace, change: Callable[[Path, Dict[str, Any]], None]) -> None:
    entry = history.newest(workspace.root)
    assert entry is not None
    description = Path(entry.folder) / f"{entry.entry_id}.json"
    document = json.loads(description.read_text())
    change(Path(entry.zip_path), document)
    description.write_text(json.dumps(document))


def damage_compressed_bytes(zip_path: Path, document: Dict[str, Any]) -> None:
    data = bytearray(zip_path.read_bytes())
    data[len("PK") + 60] ^= 0x55  # inside app.py's compressed bytes
    zip_path.write_bytes(bytes(data))


def swap_two_hashes(zip_path: Path, document: Dict[str, Any]) -> None:
    files = document["manifest"]
    files["lib/a.py"], files["lib/b.py"] = files["lib/b.py"], files["lib/a.py"]


def replace_with_zipfiles_zip(zip_path: Path, document: Dict[str, Any]) -> None:
    """Another writer's zip of the same files, recorded as if it were ours."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for rel_path, data in sorted(FILES.items()):
            archive.writestr(rel_path, data)
    data = zip_path.read_bytes()
    document["size"] = document["built_here"]["size"] = len(data)
    document["code_sha256"] = document["built_here"]["sha256"] = history._sha256_b64(data)


@pytest.mark.parametrize(
    "damage", [damage_compressed_bytes, swap_two_hashes, replace_with_zipfiles_zip]
)
def test_a_damaged_or_foreign_kept_zip_is_never_trusted(
    deployed: Workspace, damage: Callable[[Path, Dict[str, Any]], None]
) -> None:
    rewrite_newest(deployed, damage)
    EDITS["changed"](Path(deployed.root))
    assert warm_build(deployed).data == cold_build(Path(deployed.root)).data


def test_entries_filed_under_the_wrong_hash_are_refused_by_crc_and_size(
    deployed: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    rewrite_newest(deployed, swap_two_hashes)
    compressions = Compressions(monkeypatch)
    warm_build(deployed)
    assert compressions.count == 2  # a.py and b.py, whose kept entries hold each other


def test_the_first_check_after_a_deploy_reads_no_file_in_a_new_process(
    deployed: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    warm_start.load_hashes(deployed.root)
    assert not Workspace.load(deployed.root).undeployed_changes()
    assert reads.count == 0


def test_the_index_keeps_digests_of_files_older_than_the_racy_window_only(
    deployed: Workspace, fresh_process: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(deployed.root)
    (root / "lib/a.py").write_bytes(FILES["lib/a.py"])  # rewritten just now, same content
    warm_start.load_hashes(deployed.root)
    assert not Workspace.load(deployed.root).undeployed_changes()
    warm_start.keep_hashes(deployed)
    fresh_process()
    reads = Reads(monkeypatch)
    warm_start.load_hashes(deployed.root)
    Workspace.load(deployed.root).undeployed_changes()
    assert reads.count == 1  # racy when recorded: read again


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw.replace(b'"lib/a.py":[', b'"lib/a.py":[1', 1),  # a digit more: no match
        lambda raw: raw[: len(raw) // 2],  # cut short
        lambda raw: b"not an index",
    ],
)
def test_a_damaged_index_is_ignored(
    deployed: Workspace, monkeypatch: pytest.MonkeyPatch, damage: Callable[[bytes], bytes]
) -> None:
    index = Path(hash_index.index_path(deployed.root))
    index.write_bytes(damage(index.read_bytes()))
    reads = Reads(monkeypatch)
    warm_start.load_hashes(deployed.root)
    assert not Workspace.load(deployed.root).undeployed_changes()
    assert reads.count == len(FILES)


@pytest.mark.parametrize(
    "change",
    [
        lambda item: item.pop(),  # five values
        lambda item: item.append(0),  # seven
        lambda item: item.__setitem__(0, str(item[0])),  # a size in text
        lambda item: item.__setitem__(1, float(item[1])),
        lambda item: item.__setitem__(3, True),
        lambda item: item.__setitem__(4, 12),  # a hash as a number
    ],
)
def test_an_index_with_a_malformed_entry_is_ignored_whole_though_its_checksum_matches(
    deployed: Workspace, monkeypatch: pytest.MonkeyPatch, change: Callable[[List[Any]], Any]
) -> None:
    index = Path(hash_index.index_path(deployed.root))
    document = json.loads(index.read_bytes().partition(b"\n")[2])
    change(document["files"]["lib/a.py"])
    text = json.dumps(document).encode()
    index.write_bytes(hashlib.sha256(text).hexdigest().encode() + b"\n" + text)
    reads = Reads(monkeypatch)
    warm_start.load_hashes(deployed.root)
    assert not Workspace.load(deployed.root).undeployed_changes()
    assert reads.count == len(FILES)


def test_extracted_files_are_dated_when_the_code_last_changed_never_within_the_racy_window() -> (
    None
):
    assert hash_index.settled_mtime_ns("2024-05-01T12:00:00.000+0000") == 1_714_564_800 * 10**9
    for recent_or_unknown in ("2999-01-01T00:00:00.000+0000", "not a date"):
        settled = hash_index.settled_mtime_ns(recent_or_unknown)
        assert time.time_ns() - settled >= manifest.RACY_WINDOW_NS


# --- through a download from the local endpoint -----------------------------------------------


def target(sandbox: Any) -> AwsTarget:
    return AwsTarget(None, sandbox.region, sandbox.url)


@pytest.fixture
def pulled(
    sandbox: Any, functions: Any, tmp_path: Path, fresh_process: Callable[[], None]
) -> Iterator[Workspace]:
    """A function zipped by another tool, just downloaded."""
    name = functions.create({rel_path: data.decode("latin-1") for rel_path, data in FILES.items()})
    yield pull_function(target(sandbox), name, str(tmp_path)).workspace


def test_a_download_zipped_elsewhere_is_rebuilt_once_and_kept_beside_its_zip(
    pulled: Workspace,
) -> None:
    (entry,) = history.entries(pulled.root)
    assert entry.kind == "pulled" and not entry.zip_built_here
    assert history.read_built_here(entry) == cold_build(Path(pulled.root)).data


def test_the_first_save_after_a_download_compresses_one_file_in_this_process_or_a_new_one(
    pulled: Workspace, fresh_process: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    EDITS["changed"](Path(pulled.root))
    compressions = Compressions(monkeypatch)
    same_process = build_package(pulled.root)
    fresh_process()
    new_process = warm_build(Workspace.load(pulled.root))
    assert compressions.count == 2  # the edited file, once in each
    assert same_process.data == new_process.data == cold_build(Path(pulled.root)).data


def test_the_first_check_after_a_download_reads_no_file(
    pulled: Workspace, fresh_process: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    assert not Workspace.load(pulled.root).undeployed_changes()
    fresh_process()
    warm_start.load_hashes(pulled.root)
    assert not Workspace.load(pulled.root).undeployed_changes()
    assert reads.count == 0


def test_downloading_code_this_workspace_deployed_builds_nothing_and_adds_no_entry(
    sandbox: Any, pulled: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambda_editor.deploy import deploy_workspace

    EDITS["added"](Path(pulled.root))
    deploy_workspace(pulled.root, sleep=lambda _: None)
    before = history.entries(pulled.root)
    compressions = Compressions(monkeypatch)

    again = pull_function(target(sandbox), pulled.binding.function_name, str(tmp_path))

    assert compressions.count == 0
    assert [entry.kind for entry in before] == ["pulled", "deployed"]
    assert history.entries(again.workspace.root) == before


def test_a_download_in_our_layout_but_compressed_otherwise_is_not_taken_for_ours(
    sandbox: Any, functions: Any, tmp_path: Path, fresh_process: Callable[[], None]
) -> None:
    name = functions.create()
    source = tmp_path / "source"
    write_tree(source, FILES)
    ours = cold_build(source)
    modes = {info.filename: info.external_attr >> 16 & 0o777 for info in zip_infos(ours.data)}
    other = zip_archive([(path, modes[path], fastest(FILES[path])) for path in sorted(FILES)]).data
    assert other != ours.data
    functions.client.update_function_code(FunctionName=name, ZipFile=other)
    functions.client.get_waiter("function_updated_v2").wait(FunctionName=name)

    workspace = pull_function(target(sandbox), name, str(tmp_path / "workspaces")).workspace

    (entry,) = history.entries(workspace.root)
    assert not entry.zip_built_here
    fresh_process()
    EDITS["changed"](Path(workspace.root))
    assert warm_build(Workspace.load(workspace.root)).data == cold_build(Path(workspace.root)).data


def zip_infos(data: bytes) -> List[zipfile.ZipInfo]:
    return zipfile.ZipFile(io.BytesIO(data)).infolist()


def fastest(data: bytes) -> Deflated:
    """Compressed as a tool favouring speed would: other bytes for the same content."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    return Deflated(zlib.crc32(data), compressor.compress(data) + compressor.flush(), len(data))


def test_a_download_that_cannot_be_kept_is_a_clear_error_and_leaves_nothing(
    sandbox: Any, functions: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_: Any, **__: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(history, "add", disk_full)
    name = functions.create()

    with pytest.raises(LambdaEditorError, match="No space left on device"):
        pull_function(target(sandbox), name, str(tmp_path))

    assert not list(tmp_path.rglob(name))
