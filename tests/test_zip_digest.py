from __future__ import annotations

import base64
import hashlib
import os
import random
from pathlib import Path
from typing import Callable, List

import pytest

from lambda_editor.packaging import builder, zip_digest
from lambda_editor.packaging.zip_digest import ZipDigest

STEP = 64


@pytest.fixture(autouse=True)
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zip_digest, "STEP", STEP)


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def changed_at(offset: int) -> Callable[[bytes], bytes]:
    return lambda data: data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :]


VARIANTS: List[Callable[[bytes], bytes]] = [
    lambda data: data,
    changed_at(0),
    changed_at(STEP * 3 + 5),  # within a step: what follows it is hashed again
    changed_at(STEP * 4),  # on a step's first byte
    changed_at(-1),
    lambda data: data[: STEP * 5],  # cut on a step
    lambda data: data[: STEP * 5 + 1],
    lambda data: data + b"more",
    lambda data: b"",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_digest_resumed_from_an_earlier_zip_is_the_zips_sha256(
    variant: Callable[[bytes], bytes],
) -> None:
    first = os.urandom(STEP * 10 + 17)
    earlier = ZipDigest(first)
    assert earlier.sha256_b64() == sha256_b64(first)

    second = variant(first)
    assert ZipDigest(second, earlier).sha256_b64() == sha256_b64(second)


def test_only_the_bytes_compared_equal_are_skipped_whatever_follows() -> None:
    """Same length, same end, one byte apart early on: the states past it are not used."""
    rng = random.Random(3)
    data = bytes(rng.randrange(256) for _ in range(STEP * 8))
    digest = ZipDigest(data)
    digest.sha256_b64()
    for offset in range(0, len(data), STEP // 2):
        changed = changed_at(offset)(data)
        resumed = ZipDigest(changed, digest)
        assert resumed.sha256_b64() == sha256_b64(changed)
        digest = resumed  # a chain of digests, each resumed from the last


def test_an_earlier_digest_never_computed_is_not_needed() -> None:
    data = os.urandom(STEP * 4)
    never_asked = ZipDigest(b"x" * len(data))
    assert ZipDigest(data, never_asked).sha256_b64() == sha256_b64(data)


def test_each_build_has_its_zips_sha256_as_files_change(tmp_path: Path) -> None:
    (tmp_path / "vendor" / "dep").mkdir(parents=True)
    for index in range(30):
        (tmp_path / "vendor" / "dep" / f"m{index}.py").write_text(f"X = {index}\n" * 40)
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    folder_builder = builder.PackageBuilder(str(tmp_path))
    edits: List[Callable[[], object]] = [
        lambda: (tmp_path / "app.py").write_text("def handler(e, c):\n    return 2\n"),
        lambda: (tmp_path / "vendor" / "dep" / "m3.py").write_text("X = 'changed'\n"),
        (tmp_path / "vendor" / "dep" / "m0.py").unlink,
        lambda: (tmp_path / "aaa.py").write_text("A = 1\n"),
        lambda: None,
    ]
    for edit in edits:
        edit()
        built = folder_builder.build()
        assert built.sha256_b64 == sha256_b64(built.data)
