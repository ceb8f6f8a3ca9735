"""UpdateFunctionCode without copies of the zip: its request body is base64-encoded as it is sent.

botocore serialises a `ZipFile` blob as JSON text: the zip's base64 as bytes, then as a string,
inside the JSON document, then encoded again, several times the zip's size in memory at once.
Two event handlers change only how the body is produced, not what is sent: before serialisation
the zip is set aside and a random token takes its place; once the body is serialised, it becomes
a seekable stream of the same bytes, the token's base64 replaced by the zip's, encoded from the
zip a block at a time. SigV4 reads the stream to hash it (then seeks back), a retry seeks to the
start, and Content-Length comes from its length: the request is the one botocore would send.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any, Dict, List, Tuple

from .packaging.zipwriter import Buffer

_OPERATION = "lambda.UpdateFunctionCode"
_SET_ASIDE = "lambda_editor_zip_set_aside"  # key of the request's context


def stream_zip_uploads(client: Any) -> None:
    """Make the client's UpdateFunctionCode calls stream their `ZipFile` (once per client)."""
    events = client.meta.events
    events.register(
        f"before-parameter-build.{_OPERATION}", _set_zip_aside, unique_id=_SET_ASIDE + "-params"
    )
    events.register(f"before-call.{_OPERATION}", _stream_body, unique_id=_SET_ASIDE + "-body")


def _set_zip_aside(params: Dict[str, Any], context: Dict[str, Any], **_: Any) -> None:
    zip_file = params.get("ZipFile")
    if isinstance(zip_file, (bytes, bytearray, memoryview)):
        token = secrets.token_bytes(24)  # 32 base64 characters, no padding: found only once
        context[_SET_ASIDE] = (base64.b64encode(token), zip_file)
        params["ZipFile"] = token


def _stream_body(params: Dict[str, Any], context: Dict[str, Any], **_: Any) -> None:
    """`params` is botocore's request dict here; its body is the serialised JSON."""
    set_aside: Tuple[bytes, Buffer] = context.pop(_SET_ASIDE, None)
    if set_aside is None:
        return
    token, zip_file = set_aside
    before, found, after = bytes(params["body"]).partition(token)
    if not found or token in after:
        raise RuntimeError("The zip's place in the UpdateFunctionCode request was not found.")
    params["body"] = Base64Body(before, zip_file, after)


class Base64Body:
    """`before + base64(data) + after` as a seekable stream, encoding `data` as it is read."""

    def __init__(self, before: bytes, data: Buffer, after: bytes) -> None:
        self._before = before
        self._data = memoryview(data)
        self._after = after
        self._encoded_size = (len(data) + 2) // 3 * 4
        self._size = len(before) + self._encoded_size + len(after)
        self._position = 0

    def __len__(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._position, self._size)[whence]
        self._position = min(max(base + offset, 0), self._size)
        return self._position

    def read(self, size: int = -1) -> bytes:
        start = self._position
        end = self._size if size is None or size < 0 else min(self._size, start + size)
        pieces: List[bytes] = []
        offset = 0
        for length, part in (
            (len(self._before), self._before.__getitem__),
            (self._encoded_size, self._encoded),
            (len(self._after), self._after.__getitem__),
        ):
            low, high = max(start - offset, 0), min(end - offset, length)
            if low < high:
                pieces.append(part(slice(low, high)))
            offset += length
        self._position = end
        return b"".join(pieces)

    def _encoded(self, span: slice) -> bytes:
        """base64(data)[span]: whole 3-byte groups encoded, the ends trimmed."""
        first, last = span.start // 4, (span.stop + 3) // 4
        encoded = base64.b64encode(self._data[first * 3 : last * 3])
        return encoded[span.start - first * 4 : span.stop - first * 4]

    def __repr__(self) -> str:
        return f"<Base64Body of {self._size} bytes>"
