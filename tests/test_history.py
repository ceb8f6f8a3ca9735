"""The store of deployed zips: entries that describe themselves, bounded, never trusted damaged."""

from __future__ import annotations

import json
import os
import stat
import zlib
from pathlib import Path
from typing import Any, Dict

import pytest

from lambda_editor import history
from lambda_editor.errors import LambdaEditorError
from lambda_editor.packaging.builder import build_package


def configuration(code_sha256: str, **extra: Any) -> Dict[str, Any]:
    return {
        "FunctionName": "my-fn",
        "CodeSha256": code_sha256,
        "RevisionId": "rev-1",
        "Environment": {"Variables": {"TOKEN": "secret"}},
        "ResponseMetadata": {"RequestId": "x"},
        **extra,
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "my-fn"
    folder.mkdir()
    (folder / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return folder


def deploy_entry(root: Path, text: str = "1") -> history.HistoryEntry:
    (root / "app.py").write_text(f"def handler(event, context):\n    return {text}\n")
    built = build_package(str(root))
    return history.add(
        str(root),
        history.DEPLOYED,
        configuration(built.sha256_b64),
        built.manifest,
        built.data,
        built_here=True,
    )


def test_an_entry_describes_itself(root: Path) -> None:
    built = build_package(str(root))
    added = history.add(
        str(root),
        history.DEPLOYED,
        configuration(built.sha256_b64),
        built.manifest,
        built.data,
        built_here=True,
    )

    entry = history.newest(str(root))
    assert entry is not None and entry.built_here is not None
    assert entry == added
    assert entry.kind == "deployed" and entry.code_sha256 == built.sha256_b64
    assert entry.revision_id == "rev-1" and entry.size == len(built.data)
    assert entry.configuration["Environment"] == {"Variables": {"TOKEN": "secret"}}
    assert "ResponseMetadata" not in entry.configuration
    assert entry.manifest == built.manifest
    assert entry.zip_built_here and entry.built_here.zlib_version == zlib.ZLIB_RUNTIME_VERSION
    assert history.read(entry) == built.data == history.read_built_here(entry)


def test_the_store_is_readable_by_its_owner_only(root: Path) -> None:
    entry = deploy_entry(root)
    folder = Path(entry.folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_entries_are_listed_oldest_first(root: Path) -> None:
    added = [deploy_entry(root, str(number)) for number in range(3)]
    assert history.entries(str(root)) == added
    assert list(history.newest_first(str(root))) == added[::-1]


def test_a_download_moves_its_zip_in_and_keeps_a_rebuilt_one_beside_it(
    root: Path, tmp_path: Path
) -> None:
    downloaded = tmp_path / "code.zip"
    downloaded.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip, as another tool wrote it
    built = build_package(str(root))

    entry = history.add(
        str(root),
        history.PULLED,
        configuration(history._sha256_b64(downloaded.read_bytes())),
        built.manifest,
        str(downloaded),
        built_here=False,
        rebuilt=built.data,
    )

    assert not downloaded.exists()
    assert not entry.zip_built_here
    assert history.read(entry) == b"PK\x05\x06" + bytes(18)
    assert history.read_built_here(entry) == built.data


def test_a_damaged_zip_is_never_handed_out(root: Path) -> None:
    entry = deploy_entry(root)
    data = bytearray(Path(entry.zip_path).read_bytes())
    data[40] ^= 0xFF
    Path(entry.zip_path).write_bytes(bytes(data))

    assert history.read_built_here(entry) is None
    with pytest.raises(LambdaEditorError, match="missing or damaged"):
        history.read(entry)


def test_a_zip_compressed_by_another_zlib_is_not_offered_for_reuse(root: Path) -> None:
    entry = deploy_entry(root)
    description = Path(entry.folder) / f"{entry.entry_id}.json"
    document = json.loads(description.read_text())
    document["built_here"]["zlib_version"] = "0.9"
    description.write_text(json.dumps(document))

    again = history.newest(str(root))
    assert again is not None
    assert not history.compressed_like_today(again)
    assert history.read_built_here(again) is None
    assert history.read(again) == Path(entry.zip_path).read_bytes()


def test_an_unreadable_description_hides_only_its_entry(root: Path) -> None:
    first, second = deploy_entry(root, "1"), deploy_entry(root, "2")
    (Path(second.folder) / f"{second.entry_id}.json").write_text("{not json")
    assert history.entries(str(root)) == [first]


def test_prune_drops_the_oldest_beyond_the_count(root: Path) -> None:
    added = [deploy_entry(root, str(number)) for number in range(4)]
    dropped = history.prune(str(root), history.HistoryLimits(count=2))
    assert dropped == [entry.entry_id for entry in added[1::-1]]
    assert history.entries(str(root)) == added[2:]
    assert sorted(os.listdir(added[0].folder)) == sorted(
        name for entry in added[2:] for name in (f"{entry.entry_id}.json", f"{entry.entry_id}.zip")
    )


def test_prune_keeps_the_total_size_but_always_the_newest(root: Path) -> None:
    added = [deploy_entry(root, str(number)) for number in range(3)]
    size = sum(
        path.stat().st_size for path in Path(added[-1].folder).glob(f"{added[-1].entry_id}.*")
    )
    limits = history.HistoryLimits(total_bytes=2 * size + 1)
    assert history.prune(str(root), limits) == [added[0].entry_id]
    history.prune(str(root), history.HistoryLimits(total_bytes=1))
    assert history.entries(str(root)) == [added[-1]]


def test_prune_removes_files_of_entries_never_completed(root: Path) -> None:
    first = deploy_entry(root, "1")
    orphan = Path(first.folder) / f"{first.entry_id}.rebuilt.zip"
    orphan.write_bytes(b"left by a crash")
    (Path(first.folder) / f"{first.entry_id}.json").unlink()  # the description never written
    newest = deploy_entry(root, "2")

    history.prune(str(root), history.DEFAULT_LIMITS)

    assert sorted(os.listdir(newest.folder)) == [
        f"{newest.entry_id}.json",
        f"{newest.entry_id}.zip",
    ]


def test_a_re_download_carries_the_history_over(root: Path, tmp_path: Path) -> None:
    old = deploy_entry(root, "1")
    new_root = tmp_path / "new"
    new_root.mkdir()
    (new_root / "app.py").write_text("def handler(event, context):\n    return 2\n")
    pulled = deploy_entry(new_root, "2")

    history.carry_over(str(root), str(new_root))

    assert [entry.entry_id for entry in history.entries(str(new_root))] == [
        old.entry_id,
        pulled.entry_id,
    ]
    assert history.entries(str(root)) == []


def test_a_zip_stored_ahead_becomes_the_entry_or_is_removed_later(root: Path) -> None:
    built = build_package(str(root))
    stored = history.store_zip(str(root), built.data)
    entry = history.add(
        str(root),
        history.DEPLOYED,
        configuration(built.sha256_b64),
        built.manifest,
        stored,
        built_here=True,
    )
    assert not Path(stored).exists() and history.read(entry) == built.data

    abandoned = history.store_zip(str(root), b"the upload of this one failed")
    history.prune(str(root), history.DEFAULT_LIMITS)
    assert Path(abandoned).exists()  # newer than every entry: maybe still being written
    newest = deploy_entry(root, "2")
    history.prune(str(root), history.DEFAULT_LIMITS)
    assert not Path(abandoned).exists()
    assert history.entries(str(root)) == [entry, newest]
