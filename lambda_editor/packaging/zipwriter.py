"""The deterministic zip Lambda runs: entries as zipfile writes them, from compressed bytes.

Written here rather than by zipfile so that compressed bytes kept from an earlier build can be
copied in as they are. The same entries always give the same bytes, so the same tree always has
the same CodeSha256.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Tuple

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

# What zipfile uses for ZIP_DEFLATED: changing it would change every package's CodeSha256.
_COMPRESS_LEVEL = zlib.Z_DEFAULT_COMPRESSION


@dataclass(frozen=True)
class Deflated:
    """A file's content as its zip entry stores it."""

    crc32: int
    data: bytes  # raw deflate stream
    size: int  # uncompressed bytes


def deflate(chunks: Iterable[bytes]) -> Deflated:
    """Compress as zipfile does, fed the same chunks, so the stream is the same bytes."""
    compressor = zlib.compressobj(_COMPRESS_LEVEL, zlib.DEFLATED, -15)
    crc32 = 0
    size = 0
    parts: List[bytes] = []
    for chunk in chunks:
        crc32 = zlib.crc32(chunk, crc32)
        size += len(chunk)
        parts.append(compressor.compress(chunk))
    parts.append(compressor.flush())
    return Deflated(crc32, b"".join(parts), size)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_END_LOCATOR = struct.Struct("<4sLQL")
_VERSION = 20  # 2.0, deflate: what zipfile writes
_ZIP64_VERSION = 45
_UNIX = 3  # create_system: Lambda restores modes from external_attr
_UTF8_NAME = 0x800  # flag bit for a name that is not ASCII
_MAX_ENTRIES = 0xFFFF  # beyond, the entry count needs the zip64 end records
_DOS_DATE = (ZIP_TIMESTAMP[0] - 1980) << 9 | ZIP_TIMESTAMP[1] << 5 | ZIP_TIMESTAMP[2]
_DOS_TIME = ZIP_TIMESTAMP[3] << 11 | ZIP_TIMESTAMP[4] << 5 | ZIP_TIMESTAMP[5] // 2
# Leading fields: signature, versions (made by, on which system, needed to extract), reserved.
_LOCAL_START = (b"PK\x03\x04", _VERSION, 0)
_CENTRAL_START = (b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0)
_NO_EXTRA_COMMENT_DISK_OR_TEXT_FLAG = (0, 0, 0, 0)
# Signature, size of the rest (44 bytes), versions made by and needed, disk numbers.
_ZIP64_END_START = (b"PK\x06\x06", 44, _ZIP64_VERSION, _ZIP64_VERSION, 0, 0)


def zip_archive(entries: Sequence[Tuple[str, int, Deflated]]) -> bytes:
    """The zip of (path, mode, content) entries, in order: the bytes zipfile writes for them.

    Written here rather than by zipfile so compressed bytes can be copied in as they are. Sizes
    stay far below zip64's 2 GB thresholds: the unzipped limit is checked first.
    """
    parts: List[bytes] = []
    directory: List[bytes] = []
    offset = 0
    for rel_path, mode, deflated in entries:
        name, flags = _encoded_name(rel_path)
        shared = (flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, deflated.crc32)
        sizes = (len(deflated.data), deflated.size, len(name))
        header = _LOCAL_HEADER.pack(*_LOCAL_START, *shared, *sizes, 0) + name
        attributes = (*_NO_EXTRA_COMMENT_DISK_OR_TEXT_FLAG, (stat.S_IFREG | mode) << 16)
        central = _CENTRAL_HEADER.pack(*_CENTRAL_START, *shared, *sizes, *attributes, offset)
        directory.append(central + name)
        parts += (header, deflated.data)
        offset += len(header) + len(deflated.data)
    parts += directory
    parts.append(_end_records(len(entries), sum(map(len, directory)), offset))
    return b"".join(parts)


def _encoded_name(rel_path: str) -> Tuple[bytes, int]:
    try:
        return rel_path.encode("ascii"), 0
    except UnicodeEncodeError:
        return rel_path.encode("utf-8"), _UTF8_NAME


def _end_records(count: int, directory_size: int, directory_offset: int) -> bytes:
    """The end of central directory record, after zip64's when zipfile would write them."""
    zip64 = b""
    if count > _MAX_ENTRIES:
        zip64 = _ZIP64_END_RECORD.pack(
            *_ZIP64_END_START, count, count, directory_size, directory_offset
        ) + _ZIP64_END_LOCATOR.pack(b"PK\x06\x07", 0, directory_offset + directory_size, 1)
    entries = min(count, 0xFFFF)  # the 16-bit fields saturate, as zipfile writes them
    return zip64 + _END_RECORD.pack(
        b"PK\x05\x06", 0, 0, entries, entries, directory_size, directory_offset, 0
    )
