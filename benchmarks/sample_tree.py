"""A generated function folder: many small modules, a few 1 MB data files and a vendor/ tree.

The random generator has a fixed seed, so every run measures the same bytes.
"""

from __future__ import annotations

import os
import random
from typing import List, Tuple

SEED = 20240601
SMALL_FILES = 2000
LARGE_FILE_SIZE = 1024 * 1024
# An old modification time: the scan's stat cache does not trust files modified moments ago.
_MTIME = 1_704_067_200  # 2024-01-01T00:00:00Z
_MODULES_PER_PACKAGE = 50
_VOCABULARY = (
    "def class return import from self value items event context result config client "
    "response request data name path key index count limit total error message status "
    "if else for in while try except with as not and or None True False lambda yield "
    "json os time logging handler record table user session token cache retry timeout"
)
_WORDS = _VOCABULARY.split()
# (name, version, modules, native extension size): shaped like a pip install into vendor/.
_VENDOR_PACKAGES: Tuple[Tuple[str, str, int, int], ...] = (
    ("requests", "2.32.3", 18, 0),
    ("urllib3", "2.2.2", 36, 0),
    ("certifi", "2024.7.4", 3, 0),
    ("idna", "3.7", 8, 0),
    ("charset_normalizer", "3.3.2", 14, 280_000),
    ("yaml", "6.0.1", 17, 650_000),
    ("pydantic_core", "2.20.1", 6, 1_800_000),
    ("pydantic", "2.8.2", 60, 0),
)


class _Writer:
    """Writes files under root with the old, fixed modification time."""

    def __init__(self, root: str, rng: random.Random) -> None:
        self.root = root
        self.rng = rng

    def write(self, rel_path: str, data: bytes, executable: bool = False) -> None:
        path = os.path.join(self.root, *rel_path.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as sink:
            sink.write(data)
        os.chmod(path, 0o755 if executable else 0o644)
        os.utime(path, (_MTIME, _MTIME))

    def text(self, size: int) -> bytes:
        """Code-like text: lines of words from a small vocabulary, about as compressible as code."""
        lines: List[str] = []
        length = 0
        while length < size:
            indent = "    " * self.rng.randint(0, 3)
            line = indent + " ".join(self.rng.choices(_WORDS, k=self.rng.randint(2, 9)))
            lines.append(line)
            length += len(line) + 1
        return ("\n".join(lines) + "\n").encode()[:size]

    def random_bytes(self, size: int) -> bytes:
        return self.rng.getrandbits(8 * size).to_bytes(size, "little")

    def native_library(self, size: int) -> bytes:
        """Half random blocks, half repeated ones: a shared library compresses about this well."""
        block = 4096
        blocks = [
            self.random_bytes(block) if self.rng.random() < 0.5 else bytes([index % 251]) * block
            for index in range(size // block)
        ]
        return b"".join(blocks)


def generate_tree(root: str, seed: int = SEED) -> None:
    """Write the sample function into root (created if missing)."""
    writer = _Writer(root, random.Random(seed))
    writer.write("app.py", b"def handler(event, context):\n    return {}\n")
    _write_sources(writer)
    _write_data_files(writer)
    _write_vendor(writer)


def _write_sources(writer: _Writer) -> None:
    for index in range(SMALL_FILES):
        package, module = divmod(index, _MODULES_PER_PACKAGE)
        size = writer.rng.randint(200, 3000)
        writer.write(f"src/pkg_{package:02d}/module_{module:03d}.py", writer.text(size))


def _write_data_files(writer: _Writer) -> None:
    writer.write("data/model.bin", writer.random_bytes(LARGE_FILE_SIZE))
    writer.write("data/records.json", writer.text(LARGE_FILE_SIZE))
    writer.write("data/table.csv", writer.text(LARGE_FILE_SIZE))


def _write_vendor(writer: _Writer) -> None:
    for name, version, modules, native_size in _VENDOR_PACKAGES:
        package = f"vendor/{name}"
        written = [f"{package}/__init__.py"]
        writer.write(written[0], b"")
        for index in range(modules):
            written.append(f"{package}/module_{index:02d}.py")
            writer.write(written[-1], writer.text(writer.rng.randint(1000, 25_000)))
        if native_size:
            written.append(f"{package}/_native.cpython-312-x86_64-linux-gnu.so")
            writer.write(written[-1], writer.native_library(native_size))
        _write_dist_info(writer, name, version, written)
        # Left out of the package (ALWAYS_EXCLUDED), but walked past by every scan.
        writer.write(f"{package}/__pycache__/__init__.cpython-312.pyc", writer.random_bytes(512))
    writer.write("vendor/bin/normalizer", b"#!/usr/bin/env python3\nimport sys\n", executable=True)


def _write_dist_info(writer: _Writer, name: str, version: str, files: List[str]) -> None:
    dist_info = f"vendor/{name}-{version}.dist-info"
    record = "".join(f"{path.split('/', 1)[1]},sha256=,0\n" for path in files)  # vendor-relative
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    for file_name, data in (
        ("METADATA", metadata + writer.text(4000)),
        ("RECORD", record.encode()),
        ("WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        ("INSTALLER", b"pip\n"),
        ("top_level.txt", f"{name}\n".encode()),
    ):
        writer.write(f"{dist_info}/{file_name}", data)
