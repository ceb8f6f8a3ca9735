"""Generated function folders: the random generator has a fixed seed, so every run measures the
same bytes.

- `generate_tree`, the small case: many small modules, a few 1 MB data files and a vendor/ tree
  (2,200 files, 11 MB);
- `generate_large_tree`, the large case: numpy, pandas and requests unpacked into vendor/, as
  generated files of the same sizes and compressibility (4,000 files, 100 MB, 29 MB zipped);
- `generate_tiny_tree`: a few files, to check the harness itself quickly.
"""

from __future__ import annotations

import os
import random
from typing import Callable, List, Tuple

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

    def native_library(self, size: int, random_share: float = 0.5) -> bytes:
        """Random blocks and repeated ones: a shared library compresses about as well as
        `random_share` (plus a little)."""
        block = 4096
        blocks = [
            self.random_bytes(block)
            if self.rng.random() < random_share
            else bytes([index % 251]) * block
            for index in range(size // block)
        ]
        return b"".join(blocks) + self.random_bytes(size % block)


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


# --- the large case ---------------------------------------------------------------------------

# Measured on the wheels of numpy 2.4, pandas 3.1 and requests 2.34: 2,900 files, 101 MB, 29 MB
# zipped; modules compress to 22 %, shared libraries to 32 %, stubs to 16 %, the rest to 35 %.
# Here with more, smaller modules (4,000 files in all, as a few more dependencies would add).
_LARGE_MODULES = 2_900
_LARGE_MODULE_BYTES = 36_000_000
_LARGE_STUBS = 400
_LARGE_OTHER_FILES = 600
# Shared libraries, in MB: a few big ones (BLAS, the core) and many small extension modules.
_LARGE_LIBRARIES = (21, 12, 6, 4, 3, 2, 2, 1.5, 1.5, 1) + (0.25,) * 20 + (0.05,) * 40
_LIBRARY_RANDOM_SHARE = 0.29  # compresses to 32 %, as the real ones do
_PACKAGES = ("numpy", "pandas", "requests")


def generate_large_tree(root: str, seed: int = SEED) -> None:
    """Write the large sample function into root (created if missing)."""
    writer = _Writer(root, random.Random(seed))
    writer.write("app.py", b"import vendor_setup\n\ndef handler(event, context):\n    return {}\n")
    _spread(writer, "py", _LARGE_MODULES, _LARGE_MODULE_BYTES, writer.text)
    _spread(writer, "pyi", _LARGE_STUBS, 1_700_000, writer.text)
    _spread(
        writer, "txt", _LARGE_OTHER_FILES, 2_500_000, lambda size: writer.native_library(size, 0.3)
    )
    for index, megabytes in enumerate(_LARGE_LIBRARIES):
        package = _PACKAGES[index % 2]
        library = f"vendor/{package}/_core/_lib{index:02d}.cpython-312-x86_64-linux-gnu.so"
        writer.write(
            library, writer.native_library(int(megabytes * 1_000_000), _LIBRARY_RANDOM_SHARE)
        )


def _spread(
    writer: _Writer, suffix: str, count: int, total: int, content: Callable[[int], bytes]
) -> None:
    """`count` files of about `total` bytes in all, a few big and many small, in nested folders
    (about 360 in all: the real packages have 290 for fewer files)."""
    weights = [writer.rng.lognormvariate(0, 1.2) for _ in range(count)]
    scale = total / sum(weights)
    for index, weight in enumerate(weights):
        package = _PACKAGES[index % len(_PACKAGES)]
        folder = f"vendor/{package}/sub_{index // 7 % 30:02d}/part_{index % 3}"
        writer.write(f"{folder}/file_{index:04d}.{suffix}", content(max(1, int(weight * scale))))


def generate_tiny_tree(root: str, seed: int = SEED) -> None:
    """A few files: enough for every benchmark to run once, quickly."""
    writer = _Writer(root, random.Random(seed))
    writer.write("app.py", b"def handler(event, context):\n    return {}\n")
    for index in range(20):
        writer.write(f"src/pkg_00/module_{index:03d}.py", writer.text(2000))
    writer.write("vendor/lib.so", writer.native_library(64 * 1024))
