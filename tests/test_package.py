from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import shutil
import stat
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Sequence, Tuple, Union

import pytest

from lambda_editor.errors import LambdaEditorError
from lambda_editor.folders import remove_tree
from lambda_editor.packaging import builder, extract, walk, zipwriter
from lambda_editor.packaging.builder import build_package
from lambda_editor.packaging.extract import UnsafeArchiveError, extract_package
from lambda_editor.packaging.manifest import (
    READ_CHUNK,
    FileEntry,
    Manifest,
    diff_manifests,
    manifest_from_json,
    manifest_json,
    scan,
)
from lambda_editor.packaging.walk import EXECUTABLE_MODE, REGULAR_MODE, ExcludeRules

needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges")
needs_unix_modes = pytest.mark.skipif(os.name == "nt", reason="no execute bit on Windows")


def write(root: Path, rel_path: str, content: Union[str, bytes] = "x", mode: int = 0o644) -> Path:
    path = root / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(mode)
    return path


def sample_tree(root: Path, order: Sequence[str] = ("app.py", "lib/util.py", "bootstrap")) -> Path:
    contents = {"app.py": "def handler(e, c):\n    return 1\n", "lib/util.py": "X = 1\n"}
    for rel_path in order:
        write(
            root,
            rel_path,
            contents.get(rel_path, "#!/bin/sh\n"),
            0o755 if rel_path == "bootstrap" else 0o644,
        )
    return root


def listing(folder: Path) -> List[str]:
    return sorted(os.listdir(folder))


# --- excludes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "rel_path", "is_dir", "expected"),
    [
        ("*.md", "README.md", False, True),
        ("*.md", "docs/guide.md", False, True),
        ("*.md", "app.py", False, False),
        ("tests/", "tests", True, True),
        ("tests/", "src/tests", True, True),
        ("tests/", "tests", False, False),  # a file named tests stays
        ("docs/*", "docs/a.md", False, True),
        ("docs/*", "docs/sub", True, True),
        ("docs/*", "other/docs/a.md", False, False),  # a slash anchors at the top
        ("src/tests", "src/tests", True, True),
        ("/build", "build", True, True),
        ("/build", "lib/build", True, False),
        ("**/fixtures", "a/b/fixtures", True, True),
        ("Makefile", "Makefile", False, True),
        ("makefile", "Makefile", False, False),  # case-sensitive everywhere
        ("", "app.py", False, False),
        ("src/*.py", "src/app.py", False, True),
        ("src/*.py", "src/lib/util.py", False, False),  # `*` stays within one folder
        ("src/**/*.py", "src/lib/util.py", False, True),
        ("src/**/*.py", "src/app.py", False, True),
        ("docs/**", "docs/a/b.md", False, True),
        ("a/**/b", "a/x/y/b", True, True),
        ("?.txt", "a.txt", False, True),
        ("?.txt", "ab.txt", False, False),
        ("[ab].txt", "b.txt", False, True),
        ("[!ab].txt", "b.txt", False, False),
        ("\\!important", "!important", False, True),
        ("lib\\vendor", "lib/vendor", True, True),  # a Windows separator
    ],
)
def test_exclude_patterns(pattern: str, rel_path: str, is_dir: bool, expected: bool) -> None:
    assert ExcludeRules.compile([pattern]).excludes(rel_path, is_dir) is expected


def test_a_pattern_that_takes_files_back_in_is_refused() -> None:
    with pytest.raises(LambdaEditorError, match=r'"!keep\.py" would take files back in'):
        ExcludeRules.compile(["*.py", "!keep.py"])


def test_scan_skips_always_excluded_and_user_patterns(tmp_path: Path) -> None:
    for rel_path in (
        "app.py",
        "README.md",
        "docs/guide.md",
        "tests/test_app.py",
        "lib/tests/keep_me.txt",
        ".lambda-editor/function.json",
        ".git/config",
        "__pycache__/app.cpython-312.pyc",
        "lib/stale.pyc",
        "lib/.DS_Store",
        "lib/mod.py",
    ):
        write(tmp_path, rel_path)
    assert sorted(scan(str(tmp_path))) == [
        "README.md",
        "app.py",
        "docs/guide.md",
        "lib/mod.py",
        "lib/tests/keep_me.txt",
        "tests/test_app.py",
    ]
    assert sorted(scan(str(tmp_path), ["*.md", "/tests/"])) == [
        "app.py",
        "lib/mod.py",
        "lib/tests/keep_me.txt",
    ]


@pytest.mark.parametrize(
    "name", [".LAMBDA-EDITOR", ".Lambda-Editor", ".lambda-editor.", ".lambda-editor"]
)
def test_a_workspace_folder_at_any_depth_is_never_packaged(tmp_path: Path, name: str) -> None:
    write(tmp_path, "app.py")
    write(tmp_path, f"sub/{name}/function.json", "{}")
    write(tmp_path, f"sub/deeper/{name}/events/ping.json", "{}")
    write(tmp_path, "sub/mod.py")

    assert sorted(build_package(str(tmp_path)).manifest) == ["app.py", "sub/mod.py"]


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux allows names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_named_in_one_clear_line(tmp_path: Path) -> None:
    write(tmp_path, "app.py")
    (tmp_path / "lib").mkdir()
    with open(os.path.join(os.fsencode(tmp_path), b"lib", b"caf\xe9.txt"), "wb") as odd:
        odd.write(b"x")

    with pytest.raises(LambdaEditorError) as refused:
        build_package(str(tmp_path))

    assert refused.value.message.startswith("Cannot package lib/caf\\xe9.txt: its name is not")
    assert "Rename it" in refused.value.hint
    assert sorted(build_package(str(tmp_path), ["caf*"]).manifest) == ["app.py"]


def nested_folders(root: Path, depth: int) -> Path:
    """root/d/d/…/d, `depth` folders deep, made without recursion (os.makedirs recurses)."""
    root.mkdir()
    folder = root
    for _level in range(depth):
        folder = folder / "d"
        folder.mkdir()
    return folder


def test_a_tree_nested_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() + 200
    (nested_folders(tmp_path / "fn", depth) / "leaf.py").write_text("x")

    try:
        manifest = scan(str(tmp_path / "fn"))
    finally:
        remove_tree(str(tmp_path / "fn"))  # pytest's own cleanup recurses before Python 3.12

    assert list(manifest) == ["d/" * depth + "leaf.py"]


def test_remove_tree_removes_a_tree_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    (nested_folders(tmp_path / "junk", sys.getrecursionlimit() + 200) / "leaf").write_text("x")
    (tmp_path / "outside").write_text("kept")
    os.symlink(tmp_path / "outside", tmp_path / "junk" / "link")

    remove_tree(str(tmp_path / "junk"))

    assert listing(tmp_path) == ["outside"]


# --- manifests --------------------------------------------------------------------------------


def test_scan_hashes_content_and_normalises_modes(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "hello", 0o600)
    write(tmp_path, "run", "#!/bin/sh", 0o700)
    manifest = scan(str(tmp_path))
    assert manifest["a.txt"] == FileEntry(hashlib.sha256(b"hello").hexdigest(), REGULAR_MODE)
    expected_run_mode = REGULAR_MODE if os.name == "nt" else EXECUTABLE_MODE
    assert manifest["run"].mode == expected_run_mode


def test_scan_reuses_hashes_of_unchanged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "a.txt", "one")
    make_old(path)
    first = scan(str(tmp_path))["a.txt"].sha256
    second = hashlib.sha256(b"two").hexdigest()
    reads = CountedReads(monkeypatch)
    assert scan(str(tmp_path))["a.txt"].sha256 == first
    assert reads.count == 0
    # Same size and mtime, but written: the ctime tells.
    path.write_bytes(b"two")
    make_old(path)
    assert scan(str(tmp_path))["a.txt"].sha256 == second
    assert reads.count == 1


class CountedReads:
    """Counts the files the digest cache reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        sha256 = hashlib.sha256

        def counted(*data: bytes) -> Any:
            self.count += 1
            return sha256(*data)

        monkeypatch.setattr(hashlib, "sha256", counted)


def manifest_document(manifest: Manifest) -> Dict[str, Dict[str, Any]]:
    """The manifest as the JSON document `manifest_json` writes: the mode as an octal string."""
    return {
        path: {"sha256": entry.sha256, "mode": f"{entry.mode:04o}"}
        for path, entry in sorted(manifest.items())
    }


def test_manifest_json_round_trip(tmp_path: Path) -> None:
    manifest = scan(str(sample_tree(tmp_path)))
    data = manifest_document(manifest)
    assert data["bootstrap"]["mode"] == ("0644" if os.name == "nt" else "0755")
    assert manifest_from_json(data) == manifest
    assert manifest_from_json({"a": {"sha256": "ab" * 32, "mode": 0o644}}) == {
        "a": FileEntry("ab" * 32, 0o644)
    }


def test_manifest_json_is_the_text_json_writes_compact_and_sorted() -> None:
    paths = ["b.py", "a.py", "données/été.txt", 'q"uote', "tab\tline\nfeed", "\U0001f600.py"]
    modes = (REGULAR_MODE, EXECUTABLE_MODE)
    manifest = {path: FileEntry(f"{i:064x}", modes[i % 2]) for i, path in enumerate(paths)}
    text = manifest_json(manifest)
    assert text == json.dumps(manifest_document(manifest), separators=(",", ":"), sort_keys=True)
    assert manifest_json({}) == "{}"


def test_manifest_json_of_a_manifest_changed_in_place_is_its_new_text() -> None:
    manifest = {f"m{index}.py": FileEntry(f"{index:064x}", REGULAR_MODE) for index in range(5)}
    for change in range(4):
        manifest[f"m{change}.py"] = FileEntry("f" * 64, EXECUTABLE_MODE)
        expected = json.dumps(manifest_document(manifest), separators=(",", ":"), sort_keys=True)
        assert manifest_json(manifest) == expected
        assert manifest_json(dict(manifest)) == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"a": {"sha256": "ab" * 32}},
        {"a": {"sha256": "ab" * 32, "mode": "9x"}},
        {"a": {"sha256": "ab" * 32, "mode": 0o777}},
        {"a": {"sha256": "ab", "mode": "0644"}},
        {"../a": {"sha256": "ab" * 32, "mode": "0644"}},
        {"/etc/a": {"sha256": "ab" * 32, "mode": "0644"}},
        {"a": "x"},
        [],
    ],
)
def test_manifest_from_json_refuses_malformed_entries(bad: object) -> None:
    with pytest.raises(LambdaEditorError):
        manifest_from_json(bad)


UNSAFE_PATHS = ["", ".", "..", "./a", "a/.", "a/../b", "a//b", "/a", "a/", "a\\b", "a\0b"]
BAD_HASHES: List[object] = ["AB" * 32, "g" * 64, "a" * 63, "a" * 65, 7, None, ["a"] * 64]


@pytest.mark.parametrize("where", [0, 2, 4])
def test_manifest_from_json_refuses_one_bad_entry_among_many(where: int) -> None:
    def with_one(path: str, sha256: object) -> Dict[str, Any]:
        entries: List[Tuple[str, object]] = [(f"ok/{i}.py", "ab" * 32) for i in range(4)]
        entries.insert(where, (path, sha256))
        return {name: {"sha256": value, "mode": "0644"} for name, value in entries}

    for path in UNSAFE_PATHS:
        with pytest.raises(LambdaEditorError, match="invalid"):
            manifest_from_json(with_one(path, "cd" * 32))
    for sha256 in BAD_HASHES:
        with pytest.raises(LambdaEditorError, match="invalid"):
            manifest_from_json(with_one("bad.py", sha256))
    safe = ["a..b", ".hidden", "a/.b", "...", "a b/c", "données.py"]
    for path in safe:
        assert manifest_from_json(with_one(path, "cd" * 32))[path] == FileEntry("cd" * 32, 0o644)


def test_diff_manifests() -> None:
    deployed = {
        "a.py": FileEntry("1", 0o644),
        "b.py": FileEntry("2", 0o644),
        "gone.py": FileEntry("3", 0o644),
    }
    local = {
        "a.py": FileEntry("1", 0o755),
        "b.py": FileEntry("9", 0o644),
        "new.py": FileEntry("4", 0o644),
    }
    diff = diff_manifests(deployed, local)
    assert (diff.added, diff.removed, diff.changed) == (["new.py"], ["gone.py"], ["a.py", "b.py"])
    assert diff
    assert diff.summary() == "2 changed, 1 added, 1 removed: a.py, b.py, new.py, gone.py"
    assert not diff_manifests(local, dict(local))
    assert diff_manifests(local, local).summary() == "no changes"


def test_diff_summary_caps_the_listed_paths() -> None:
    local = {f"f{i}.py": FileEntry(str(i), 0o644) for i in range(8)}
    assert (
        diff_manifests({}, local).summary()
        == "8 added: f0.py, f1.py, f2.py, f3.py, f4.py and 3 more"
    )


# --- symbolic links ---------------------------------------------------------------------------


@needs_symlinks
def test_one_walk_lists_a_folder_once_for_this_thread(tmp_path: Path) -> None:
    sample_tree(tmp_path)
    with walk.one_walk(str(tmp_path)):
        first = walk.list_files(str(tmp_path), ())
        write(tmp_path, "added.py", "")
        assert walk.list_files(str(tmp_path), ()) == first
        seen_elsewhere: List[List[str]] = []
        thread = threading.Thread(
            target=lambda: seen_elsewhere.append(
                [local.rel_path for local in walk.list_files(str(tmp_path), ())]
            )
        )
        thread.start()
        thread.join()
        assert "added.py" in seen_elsewhere[0]
    assert "added.py" in [local.rel_path for local in walk.list_files(str(tmp_path), ())]


def test_scan_follows_links_inside_the_folder(tmp_path: Path) -> None:
    write(tmp_path, "real/data.txt", "data")
    (tmp_path / "alias.txt").symlink_to("real/data.txt")
    (tmp_path / "linked").symlink_to("real", target_is_directory=True)
    (tmp_path / "dangling").symlink_to("missing.txt")
    manifest = scan(str(tmp_path))
    assert sorted(manifest) == ["alias.txt", "linked/data.txt", "real/data.txt"]
    assert manifest["alias.txt"] == manifest["real/data.txt"]


@needs_symlinks
def test_scan_refuses_links_pointing_outside_unless_excluded(tmp_path: Path) -> None:
    root = tmp_path / "fn"
    write(root, "app.py")
    write(tmp_path, "secret.txt", "secret")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(LambdaEditorError, match=r"escape\.txt is a link .* outside"):
        scan(str(root))
    assert sorted(scan(str(root), ["escape.txt"])) == ["app.py"]


@needs_symlinks
def test_links_into_our_metadata_or_git_are_never_packaged(tmp_path: Path) -> None:
    (tmp_path / ".lambda-editor").mkdir()
    (tmp_path / ".lambda-editor" / "function.json").write_text("{}")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]")
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "m").symlink_to(".lambda-editor/function.json")
    (tmp_path / "meta").symlink_to(".lambda-editor", target_is_directory=True)
    (tmp_path / "g").symlink_to(".git/config")

    assert sorted(scan(str(tmp_path))) == ["app.py"]


@needs_symlinks
def test_extract_refuses_a_link_into_the_metadata_folder(tmp_path: Path) -> None:
    archive = crafted_zip(
        tmp_path, [("app.py", b"x"), link_entry("m", ".lambda-editor/function.json")]
    )

    with pytest.raises(UnsafeArchiveError, match=r"link into \.lambda-editor"):
        extract_package(archive, str(tmp_path / "fn"))
    assert not (tmp_path / "fn").exists()


@needs_symlinks
def test_scan_refuses_link_loops(tmp_path: Path) -> None:
    write(tmp_path, "sub/a.txt")
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)
    with pytest.raises(LambdaEditorError, match="repeat forever"):
        scan(str(tmp_path))


# --- building ---------------------------------------------------------------------------------


def test_build_is_deterministic_across_folders_and_mtimes(tmp_path: Path) -> None:
    first = sample_tree(tmp_path / "one")
    second = sample_tree(tmp_path / "two", order=("bootstrap", "lib/util.py", "app.py"))
    for path in second.rglob("*"):
        os.utime(path, (2_000_000_000, 2_000_000_000))
    built = build_package(str(first))
    assert built.data == build_package(str(first)).data
    assert built.data == build_package(str(second)).data
    assert built.manifest == scan(str(first))


def test_build_writes_dependencies_then_sorted_entries_with_fixed_times_and_unix_modes(
    tmp_path: Path,
) -> None:
    root = sample_tree(tmp_path)
    write(root, ".lambda-editor/function.json", "{}")
    write(root, "notes.md", "notes")
    write(root, "vendor/dep.py", "DEP = 1\n")
    write(root, "zz.py", "Z = 1\n")
    built = build_package(str(root), ["*.md"])
    archive = zipfile.ZipFile(_saved(tmp_path, built.data))
    infos = archive.infolist()
    names = ["vendor/dep.py", "app.py", "bootstrap", "lib/util.py", "zz.py"]
    assert [info.filename for info in infos] == names
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.create_system for info in infos} == {3}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_DEFLATED}
    modes = {info.filename: info.external_attr >> 16 for info in infos}
    assert stat.S_ISREG(modes["app.py"])
    assert stat.S_IMODE(modes["app.py"]) == 0o644
    if os.name != "nt":
        assert stat.S_IMODE(modes["bootstrap"]) == 0o755
    assert built.unzipped_size == sum(info.file_size for info in infos)
    expected = base64.b64encode(hashlib.sha256(built.data).digest()).decode()
    assert built.sha256_b64 == expected


def test_build_keeps_known_modes_only_where_the_filesystem_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "bootstrap", "#!/bin/sh", 0o644)
    monkeypatch.setattr(walk, "_FILESYSTEM_KEEPS_MODES", False)
    assert (
        build_package(str(tmp_path), known_modes={"bootstrap": 0o755}).manifest["bootstrap"].mode
        == 0o755
    )
    monkeypatch.setattr(walk, "_FILESYSTEM_KEEPS_MODES", True)
    assert (
        build_package(str(tmp_path), known_modes={"bootstrap": 0o755}).manifest["bootstrap"].mode
        == 0o644
    )


def test_build_refuses_packages_over_the_unzipped_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "small.txt", "x" * 10)
    write(tmp_path, "vendor/big.so", "x" * 5000)
    monkeypatch.setattr(builder, "UNZIPPED_LIMIT", 4000)
    with pytest.raises(LambdaEditorError, match=r"over Lambda's limit.*vendor/big\.so \(4\.9 KB\)"):
        build_package(str(tmp_path))


def test_build_of_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LambdaEditorError, match="does not exist"):
        build_package(str(tmp_path / "nope"))


# --- incremental, parallel building -----------------------------------------------------------


def zipped_by_zipfile(root: Path) -> bytes:
    """The package as zipfile writes it, each file copied in the chunks the builder reads."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for rel_path, entry in sorted(scan(str(root)).items(), key=dependencies_first):
            info = zipfile.ZipInfo(rel_path, date_time=zipwriter.ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | entry.mode) << 16
            path = root / rel_path
            with path.open("rb") as source, archive.open(info, "w") as sink:
                shutil.copyfileobj(source, sink, READ_CHUNK)
    return buffer.getvalue()


def dependencies_first(item: Tuple[str, Any]) -> Tuple[bool, str]:
    """The package's order: vendor/ first, then the rest, each by path."""
    return not item[0].startswith("vendor/"), item[0]


def code_like_text() -> bytes:
    """Text whose deflate stream differs from one compression level to the next."""
    rng = random.Random(7)
    words = ["def", "class", "return", "import", "self", "value", "event", "context", "data"]
    lines = (" ".join(rng.choices(words, k=rng.randint(2, 9))) for _ in range(800))
    return "\n".join(lines).encode()


def varied_tree(root: Path) -> Path:
    """Names zipfile encodes differently, an empty file, a file read in several chunks."""
    sample_tree(root)
    write(root, "données/été.txt", "café\n")
    write(root, "empty", b"")
    write(root, "text.txt", code_like_text())
    write(root, "random.bin", os.urandom(50_000))
    text = code_like_text()
    write(root, "big.txt", text * (int(2.5 * READ_CHUNK) // len(text) + 1))
    write(root, "vendor/dep/__init__.py", "DEP = 1\n")
    write(root, "worker.py", "def work():\n    pass\n")  # after vendor/ by name
    return root


# With these, the files of `varied_tree` are read whole or streamed (big.txt), one batch each.
SMALL_LIMITS = {"held_limit": READ_CHUNK, "batch_bytes": 1}


class CountedCompressions:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        compress = zipwriter.deflate

        def counted(chunks: Iterable[bytes]) -> Any:
            self.count += 1
            return compress(chunks)

        monkeypatch.setattr(builder, "deflate", counted)

    def since_last(self) -> int:
        count, self.count = self.count, 0
        return count


class OpenedFiles:
    """The files under `root` that this process opens, and whether on the main thread: seen
    through the interpreter's audit events, so the code under test is left as it is."""

    def __init__(self, root: Path) -> None:
        self.root = str(root) + os.sep
        self.opened: List[Tuple[str, bool]] = []

    def __enter__(self) -> OpenedFiles:
        _watchers.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _watchers.remove(self)

    def note(self, path: str) -> None:
        if path.startswith(self.root) and not os.path.isdir(path):
            main = threading.current_thread() is threading.main_thread()
            self.opened.append((path[len(self.root) :].replace(os.sep, "/"), main))

    @property
    def paths(self) -> List[str]:
        return sorted(path for path, _main in self.opened)


_watchers: List[OpenedFiles] = []


def _on_audit_event(event: str, arguments: Tuple[Any, ...]) -> None:
    if event == "open" and _watchers and isinstance(arguments[0], str):
        for watcher in list(_watchers):
            watcher.note(arguments[0])


sys.addaudithook(_on_audit_event)  # audit hooks stay for the process: one, idle unless watched


def make_old(*paths: Path) -> None:
    """Older than the racy window: the stat cache trusts these files' hashes."""
    for path in paths:
        os.utime(path, (1_000_000_000, 1_000_000_000))


def test_build_writes_the_bytes_zipfile_writes(tmp_path: Path) -> None:
    root = varied_tree(tmp_path)
    built = builder.PackageBuilder(str(root), **SMALL_LIMITS).build()
    assert built.data == zipped_by_zipfile(root)
    archive = zipfile.ZipFile(io.BytesIO(built.data))
    assert archive.testzip() is None
    assert archive.read("données/été.txt") == "café\n".encode()
    assert archive.getinfo("données/été.txt").flag_bits & 0x800


def test_cold_warm_serial_and_parallel_builds_are_the_same_bytes(tmp_path: Path) -> None:
    root = varied_tree(tmp_path)
    serial = builder.PackageBuilder(str(root), workers=1, **SMALL_LIMITS).build()
    parallel = builder.PackageBuilder(str(root), workers=4, **SMALL_LIMITS)
    assert parallel.build().data == serial.data
    assert parallel.build() == serial  # warm: reused, not compressed again
    make_old(*root.rglob("*"))
    parallel.build()
    assert parallel.build() == serial  # warm without reading a file


def test_files_are_read_on_worker_threads_unless_told_otherwise(tmp_path: Path) -> None:
    root = varied_tree(tmp_path)
    with OpenedFiles(root) as parallel:
        builder.PackageBuilder(str(root), workers=2, **SMALL_LIMITS).build()
    with OpenedFiles(root) as serial:
        builder.PackageBuilder(str(root), workers=1, **SMALL_LIMITS).build()

    assert parallel.paths == serial.paths == sorted(scan(str(root)))
    assert [main for _path, main in parallel.opened] == [False] * 10
    assert [main for _path, main in serial.opened] == [True] * 10


def test_more_entries_than_16_bits_count_gets_zip64_end_records_as_zipfile_writes() -> None:
    empty = zipwriter.deflate([b""])
    names = [f"f{index:05d}" for index in range(0x10000)]
    written = zipwriter.zip_archive([(name, REGULAR_MODE, empty) for name in names]).data

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=zipwriter.ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | REGULAR_MODE) << 16
            archive.writestr(info, b"")
    assert written == buffer.getvalue()
    assert b"PK\x06\x06" in written
    assert zipfile.ZipFile(io.BytesIO(written)).namelist() == names


def _keeping_mtime(path: Path, content: bytes) -> None:
    times = os.stat(path)
    path.write_bytes(content)
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))


LEAD_EDITS: Dict[str, Callable[[Path], object]] = {
    "nothing": lambda root: None,
    "the last file changed": lambda root: write(root, "lib/util.py", "X = 2\n"),
    "a dependency changed": lambda root: write(root, "vendor/dep/m5.py", "M = 'five'\n"),
    "the first file changed": lambda root: write(root, "vendor/dep/m0.py", "M = 'zero'\n"),
    "made executable": lambda root: os.chmod(root / "vendor/dep/m3.py", 0o755),
    "changed, mtime and size kept": lambda root: _keeping_mtime(
        root / "vendor/dep/m2.py", b"M = 'b'\n" * 20
    ),
    "touched": lambda root: (root / "vendor/dep/m1.py").touch(),
    "added among them": lambda root: write(root, "vendor/dep/m00.py", "M = 0\n"),
    "removed": lambda root: (root / "vendor/dep/m9.py").unlink(),
    "renamed": lambda root: (root / "app.py").rename(root / "zapp.py"),
}


@pytest.mark.parametrize("edit", list(LEAD_EDITS))
def test_a_build_copying_the_unchanged_start_of_the_last_zip_is_the_cold_build(
    tmp_path: Path, edit: str
) -> None:
    root = sample_tree(tmp_path / "fn")
    for index in range(10):
        write(root, f"vendor/dep/m{index}.py", f"M = {index % 7}\n" * 20)  # m7 is m0
    make_old(*root.rglob("*"))
    warm = builder.PackageBuilder(str(root))
    warm.build()

    LEAD_EDITS[edit](root)
    built = warm.build()

    assert built.data == builder.PackageBuilder(str(root), workers=1).build().data
    assert zipfile.ZipFile(io.BytesIO(built.data)).testzip() is None
    assert built.manifest == scan(str(root))
    assert warm.build().data == built.data  # copied whole


def test_a_mode_known_otherwise_than_last_time_is_not_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(walk, "_FILESYSTEM_KEEPS_MODES", False)
    root = sample_tree(tmp_path / "fn")
    make_old(*root.rglob("*"))
    warm = builder.PackageBuilder(str(root))
    warm.build(known_modes={"app.py": 0o644})

    built = warm.build(known_modes={"app.py": 0o755})

    assert built.manifest["app.py"].mode == 0o755
    assert built.data == builder.PackageBuilder(str(root)).build(known_modes={"app.py": 0o755}).data


def test_a_changed_file_is_the_only_one_compressed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_tree(tmp_path)
    compressions = CountedCompressions(monkeypatch)
    folder_builder = builder.PackageBuilder(str(root))
    folder_builder.build()
    assert compressions.since_last() == 3
    folder_builder.build()  # every file just written, so read and hashed again, yet known
    assert compressions.since_last() == 0

    write(root, "lib/util.py", "X = 2\n")
    write(root, "lib/new.py", "X = 1\n")  # same content as util.py was
    rebuilt = folder_builder.build()
    assert compressions.since_last() == 1
    assert rebuilt.data == zipped_by_zipfile(root)
    assert rebuilt.manifest == scan(str(root))


def test_unchanged_files_are_not_read_again(tmp_path: Path) -> None:
    root = sample_tree(tmp_path)
    make_old(*root.rglob("*"))
    folder_builder = builder.PackageBuilder(str(root))
    first = folder_builder.build()

    write(root, "app.py", "def handler(e, c):\n    return 2\n")
    with OpenedFiles(root) as read:
        assert folder_builder.build().data != first.data
    assert read.paths == ["app.py"]


def test_the_manifest_describes_the_zip_when_a_file_changes_during_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_tree(tmp_path)
    list_files = walk.list_files

    def listed_then_changed(*arguments: Any) -> Any:
        files = list_files(*arguments)
        write(root, "lib/util.py", "X = 'changed after listing, longer'\n")
        return files

    monkeypatch.setattr(builder, "list_files", listed_then_changed)
    built = build_package(str(root))
    packed = zipfile.ZipFile(io.BytesIO(built.data)).read("lib/util.py")
    assert packed == b"X = 'changed after listing, longer'\n"
    assert built.manifest["lib/util.py"].sha256 == hashlib.sha256(packed).hexdigest()


def test_a_builder_keeps_only_what_its_last_build_used(tmp_path: Path) -> None:
    root = sample_tree(tmp_path)
    write(root, "big.txt", "a fair amount of text\n" * 1000)
    folder_builder = builder.PackageBuilder(str(root))
    folder_builder.build()
    everything = folder_builder.kept_bytes
    (root / "big.txt").unlink()
    built = folder_builder.build()
    # What it keeps is the zip it just built (its entries are views into it), nothing older.
    assert folder_builder.kept_bytes == len(built.data) < everything


def rebuilt_files(recent: builder.RecentBuilders, root: Path) -> List[str]:
    """The files a build of `root` reads: none when its builder was kept (and nothing changed)."""
    with OpenedFiles(root) as read:
        recent.build(str(root))
    return read.paths


def test_the_builders_of_a_few_recent_folders_are_kept(tmp_path: Path) -> None:
    roots = [sample_tree(tmp_path / name) for name in ("a", "b", "c")]
    make_old(*tmp_path.rglob("*"))
    recent = builder.RecentBuilders(folders=2)
    for root in roots:
        recent.build(str(root))

    assert rebuilt_files(recent, roots[1]) == []  # kept: a, the least recent, was dropped
    assert rebuilt_files(recent, roots[0]) == ["app.py", "bootstrap", "lib/util.py"]
    assert rebuilt_files(recent, roots[1]) == []  # a and b are the two most recent now
    assert rebuilt_files(recent, roots[2]) != []


def test_only_the_latest_folders_builder_is_kept_when_bytes_run_over(tmp_path: Path) -> None:
    roots = [sample_tree(tmp_path / name) for name in ("a", "b")]
    make_old(*tmp_path.rglob("*"))
    recent = builder.RecentBuilders(kept_bytes=1)  # the latest folder's bytes stay regardless
    for root in roots:
        recent.build(str(root))

    assert rebuilt_files(recent, roots[1]) == []
    assert rebuilt_files(recent, roots[0]) != []


def test_builds_are_the_same_bytes_in_another_process(tmp_path: Path) -> None:
    root = varied_tree(tmp_path)
    script = (
        "import sys; from lambda_editor.packaging.builder import build_package; "
        "print(build_package(sys.argv[1]).sha256_b64)"
    )
    elsewhere = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert elsewhere.stdout.strip() == build_package(str(root)).sha256_b64


# --- extracting -------------------------------------------------------------------------------


def _saved(folder: Path, data: bytes, name: str = "code.zip") -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


Entry = Tuple[Union[str, zipfile.ZipInfo], bytes]


def crafted_zip(folder: Path, entries: Sequence[Entry]) -> str:
    path = folder / "crafted.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return str(path)


def link_entry(name: str, target: str) -> Entry:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def test_build_then_extract_round_trips_content_and_modes(tmp_path: Path) -> None:
    built = build_package(str(sample_tree(tmp_path / "src")))
    dest = tmp_path / "ws" / "fn"
    manifest = extract_package(_saved(tmp_path, built.data), str(dest)).manifest
    assert manifest == built.manifest
    assert manifest == scan(str(dest))
    assert (dest / "lib" / "util.py").read_text() == "X = 1\n"
    if os.name != "nt":
        assert stat.S_IMODE((dest / "bootstrap").stat().st_mode) == 0o755
        assert stat.S_IMODE((dest / "app.py").stat().st_mode) == 0o644
        assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    assert listing(dest.parent) == ["fn"]  # no staging folder left


def test_extract_gives_default_modes_to_archives_without_unix_modes(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("bootstrap")
    info.create_system = 0  # MS-DOS / Windows
    info.external_attr = 0x20  # the archive attribute, no unix bits
    dest = tmp_path / "fn"
    manifest = extract_package(
        crafted_zip(tmp_path, [(info, b"#!/bin/sh"), ("dir/", b"")]), str(dest)
    ).manifest
    assert manifest["bootstrap"].mode == 0o644
    assert (dest / "dir").is_dir()
    if os.name != "nt":
        assert stat.S_IMODE((dest / "bootstrap").stat().st_mode) == 0o644


def test_extract_skips_our_metadata_folder(tmp_path: Path) -> None:
    archive = crafted_zip(tmp_path, [("app.py", b"x"), (".lambda-editor/function.json", b"{}")])
    dest = tmp_path / "fn"
    extraction = extract_package(archive, str(dest))
    assert sorted(extraction.manifest) == ["app.py"]
    assert extraction.skipped == (".lambda-editor",)
    assert extraction.left_out == (".lambda-editor/function.json",)
    assert not (dest / ".lambda-editor").exists()


@pytest.mark.parametrize(
    "folder", [".lambda-editor", "sub/.lambda-editor", "a/b/.LAMBDA-EDITOR", "c/.lambda-editor. "]
)
def test_extract_skips_workspace_folders_at_any_depth_and_says_so(
    tmp_path: Path, folder: str
) -> None:
    marker = f"{folder}/function.json"
    archive = crafted_zip(tmp_path, [("app.py", b"x"), (marker, b"{}"), (f"{folder}/", b"")])
    dest = tmp_path / "fn"

    extraction = extract_package(archive, str(dest))

    assert sorted(extraction.manifest) == ["app.py"]
    assert extraction.skipped == (folder,)
    assert extraction.left_out == (marker,)
    assert [str(path.relative_to(dest)) for path in dest.rglob("*")] == ["app.py"]


def test_extract_lists_what_the_package_would_leave_out(tmp_path: Path) -> None:
    archive = crafted_zip(
        tmp_path,
        [
            ("app.py", b"x"),
            ("__pycache__/app.cpython-312.pyc", b"\0"),
            ("lib/.DS_Store", b"\0"),
            (".git/HEAD", b"ref: refs/heads/main\n"),
        ],
    )

    extraction = extract_package(archive, str(tmp_path / "fn"))

    assert sorted(extraction.manifest) == ["app.py"]
    assert extraction.left_out == (".git/HEAD", "__pycache__/app.cpython-312.pyc", "lib/.DS_Store")
    assert (tmp_path / "fn" / ".git" / "HEAD").is_file()  # extracted, only not packaged


def test_extract_refuses_an_archive_nested_thousands_deep_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    archive = crafted_zip(tmp_path, [("app.py", b"x"), ("d/" * 3000 + "leaf.py", b"x")])
    parent = tmp_path / "workspaces"
    parent.mkdir()

    with pytest.raises(UnsafeArchiveError, match=r"nests 3001 folders deep \(at most 128\)"):
        extract_package(archive, str(parent / "fn"))

    assert listing(parent) == []


def test_extract_refuses_an_existing_destination(tmp_path: Path) -> None:
    dest = tmp_path / "fn"
    dest.mkdir()
    with pytest.raises(LambdaEditorError, match="already exists"):
        extract_package(crafted_zip(tmp_path, [("a.txt", b"a")]), str(dest))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", r"outside the folder \(\.\.\)"),
        ("lib/../../evil.txt", r"outside the folder \(\.\.\)"),
        ("/etc/evil.txt", "absolute path"),
        ("C:\\evil.txt", "backslash"),
        ("C:/evil.txt", "drive"),
        ("lib\\..\\..\\evil.txt", "backslash"),
    ],
)
def test_extract_refuses_entries_landing_outside(tmp_path: Path, name: str, reason: str) -> None:
    archive = crafted_zip(tmp_path, [("good.txt", b"ok"), (name, b"evil")])
    parent = tmp_path / "workspaces"
    parent.mkdir()
    with pytest.raises(UnsafeArchiveError, match=reason) as refused:
        extract_package(archive, str(parent / "fn"))
    assert repr(name) in str(refused.value)
    assert listing(parent) == []
    assert listing(tmp_path) == ["crafted.zip", "workspaces"]


@pytest.mark.parametrize(
    "links",
    [
        [("escape", "../../outside")],
        [("escape", "/etc/passwd")],
        [("escape", "C:\\Windows")],
        [("here", "."), ("escape", "here/..")],  # each looks inside; together they lead out
    ],
)
def test_extract_refuses_links_pointing_outside(
    tmp_path: Path, links: List[Tuple[str, str]]
) -> None:
    archive = crafted_zip(tmp_path, [("app.py", b"x"), *(link_entry(*link) for link in links)])
    parent = tmp_path / "workspaces"
    parent.mkdir()
    with pytest.raises(UnsafeArchiveError, match="link"):
        extract_package(archive, str(parent / "fn"))
    assert listing(parent) == []


def test_extract_refuses_entries_written_through_a_link(tmp_path: Path) -> None:
    archive = crafted_zip(tmp_path, [link_entry("lib", "real"), ("lib/evil.py", b"x")])
    with pytest.raises(UnsafeArchiveError, match="lies under a symbolic link"):
        extract_package(archive, str(tmp_path / "fn"))


@needs_symlinks
def test_extract_creates_links_that_stay_inside(tmp_path: Path) -> None:
    archive = crafted_zip(
        tmp_path,
        [
            ("node_modules/pkg/cli.js", b"run()"),
            link_entry("node_modules/.bin/cli", "../pkg/cli.js"),
        ],
    )
    dest = tmp_path / "fn"
    manifest = extract_package(archive, str(dest)).manifest
    assert os.readlink(dest / "node_modules" / ".bin" / "cli") == "../pkg/cli.js"
    assert manifest["node_modules/.bin/cli"].sha256 == manifest["node_modules/pkg/cli.js"].sha256


def test_extract_refuses_archives_declaring_too_much(tmp_path: Path) -> None:
    archive = crafted_zip(tmp_path, [("a.bin", b"\0" * 600), ("b.bin", b"\0" * 600)])
    parent = tmp_path / "workspaces"
    parent.mkdir()
    with pytest.raises(UnsafeArchiveError, match=r"declares 1\.2 KB unzipped"):
        extract_package(archive, str(parent / "fn"), max_unzipped=1000)
    assert listing(parent) == []


def _understate_sizes(path: str, declared: int) -> None:
    """Rewrite the uncompressed size in the local and central headers: a zip bomb's lie."""
    data = bytearray(Path(path).read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.index(signature)
        struct.pack_into("<I", data, start + offset, declared)
    Path(path).write_bytes(bytes(data))


def test_extract_refuses_a_zip_bomb_lying_about_its_size(tmp_path: Path) -> None:
    archive = crafted_zip(tmp_path, [("bomb.bin", b"\0" * 200_000)])
    _understate_sizes(archive, 100)
    assert zipfile.ZipFile(archive).infolist()[0].file_size == 100
    parent = tmp_path / "workspaces"
    parent.mkdir()
    with pytest.raises(LambdaEditorError):
        extract_package(archive, str(parent / "fn"), max_unzipped=1000)
    assert listing(parent) == []


def test_copy_limited_stops_once_past_the_limit(tmp_path: Path) -> None:
    source = write(tmp_path, "big", b"\0" * 5000)
    with source.open("rb") as reader, (tmp_path / "out").open("wb") as sink, pytest.raises(
        UnsafeArchiveError, match="inflates"
    ):
        extract._copy_limited(reader, sink, 4000, "big")


def test_extract_reports_a_damaged_archive_and_leaves_nothing(tmp_path: Path) -> None:
    broken = _saved(tmp_path, b"PK\x03\x04 this is not a zip", "broken.zip")
    parent = tmp_path / "workspaces"
    parent.mkdir()
    with pytest.raises(LambdaEditorError, match="cannot be read"):
        extract_package(broken, str(parent / "fn"))
    assert listing(parent) == []


def test_extracted_manifest_matches_the_package_built_from_it(tmp_path: Path) -> None:
    original = build_package(str(sample_tree(tmp_path / "src")))
    dest = tmp_path / "fn"
    manifest = extract_package(_saved(tmp_path, original.data), str(dest)).manifest
    rebuilt = build_package(str(dest))
    assert rebuilt.manifest == manifest
    if os.name != "nt":
        assert rebuilt.data == original.data
