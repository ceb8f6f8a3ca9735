"""A zip's SHA-256 (Lambda's CodeSha256), resumed from the last zip's where the two begin alike.

SHA-256 reads its input in order, so hashing a zip costs its whole size even when a save changed
one small file. `ZipDigest` keeps the hash's state every `STEP` bytes of the zip it hashed (a
`hashlib` object copies in a microsecond); the next zip's digest starts from the furthest state
whose bytes it begins with: the bytes the builder copied from the earlier zip, then those
compared equal. The builder puts `vendor/` first, the files that change least, so a save of the
function's own code hashes little more than its files and the central directory.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import Any, List, Optional, Tuple

STEP = 256 * 1024


class ZipDigest:
    """The SHA-256 of `data`, computed once, when first asked."""

    def __init__(self, data: bytes, earlier: Optional[ZipDigest] = None, copied: int = 0) -> None:
        """`copied`: how many bytes `data` begins with that were copied from `earlier`'s."""
        self._data = data
        # An earlier digest serves only once computed: a chain of uncomputed ones would keep
        # every zip alive.
        self._earlier = earlier if earlier is not None and earlier._states else None
        self._copied = copied
        self._states: List[Tuple[int, Any]] = []  # (offset, hashlib state of data[:offset])
        self._sha256: Optional[bytes] = None
        self._lock = threading.Lock()

    def sha256_b64(self) -> str:
        """Comparable with Lambda's `CodeSha256`."""
        with self._lock:
            if self._sha256 is None:
                self._sha256 = self._compute()
                self._earlier = None  # its zip may go
            return base64.b64encode(self._sha256).decode("ascii")

    def _compute(self) -> bytes:
        self._states = self._shared_states()
        offset, state = self._states[-1]
        state = state.copy()
        view = memoryview(self._data)
        for step in range(offset + STEP, len(view) + 1, STEP):
            state.update(view[offset:step])
            offset = step
            self._states.append((offset, state.copy()))
        state.update(view[offset:])
        digest: bytes = state.digest()
        return digest

    def _shared_states(self) -> List[Tuple[int, Any]]:
        """The earlier zip's states over the bytes this one begins with (a state of nothing, at
        least): those copied, then those compared a step at a time up to the first that
        differs."""
        shared = [(0, hashlib.sha256())]
        if self._earlier is None:
            return shared
        with self._earlier._lock:
            states = self._earlier._states[1:]
        earlier = memoryview(self._earlier._data)
        previous = 0
        for offset, state in states:
            if offset > self._copied and not self._data.startswith(
                earlier[previous:offset], previous
            ):
                break
            shared.append((offset, state))
            previous = offset
        return shared
