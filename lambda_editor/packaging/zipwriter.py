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
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

Buffer = Union[bytes, memoryview]

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

# What zipfile uses for ZIP_DEFLATED: changing it would change every package's CodeSha256.
_COMPRESS_LEVEL = zlib.Z_DEFAULT_COMPRESSION


@dataclass(frozen=True)
class Deflated:
    """A file's content as its zip entry stores it."""

    crc32: int
    data: Buffer  # raw deflate stream, or a view of it inside a zip
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


@dataclass(frozen=True)
class ZipLayout:
    """A zip `zip_archive` wrote, and where its entries lie in it."""

    data: bytes
    data_starts: List[int]  # where each entry's compressed bytes start
    ends: List[int]  # where each entry (local header, then compressed bytes) ends
    record_ends: List[int]  # where each entry's central record ends, from the directory's start
    directory_start: int

    def data_of(self, index: int) -> memoryview:
        """The compressed bytes of the entry at `index`, as a view of the zip."""
        return memoryview(self.data)[self.data_starts[index] : self.ends[index]]


def zip_archive(
    entries: Sequence[Tuple[str, int, Deflated]],
    after: Optional[ZipLayout] = None,
    copied: int = 0,
) -> ZipLayout:
    """The zip of (path, mode, content) entries, in order: the bytes zipfile writes for them.

    The first `copied` entries of the zip `after`, when given, come first, copied as they are
    (their local headers, contents and central records: a zip's first entries lie at the same
    offsets in any zip they begin), then `entries`. Written here rather than by zipfile so
    compressed bytes can be copied in as they are. Sizes stay far below zip64's 2 GB thresholds:
    the unzipped limit is checked first.
    """
    parts: List[Buffer] = []
    directory: List[Buffer] = []
    data_starts: List[int] = []
    ends: List[int] = []
    record_ends: List[int] = []
    offset = records = 0
    if after is not None and copied:
        view = memoryview(after.data)
        offset, records = after.ends[copied - 1], after.record_ends[copied - 1]
        parts.append(view[:offset])
        directory.append(view[after.directory_start : after.directory_start + records])
        data_starts += after.data_starts[:copied]
        ends += after.ends[:copied]
        record_ends += after.record_ends[:copied]
    for rel_path, mode, deflated in entries:
        sizes = (len(deflated.data), deflated.size)
        header, central = _headers(rel_path, mode, deflated.crc32, sizes, offset)
        directory.append(central)
        parts += (header, deflated.data)
        data_starts.append(offset + len(header))
        offset += len(header) + len(deflated.data)
        ends.append(offset)
        records += len(central)
        record_ends.append(records)
    parts += directory
    parts.append(_end_records(len(ends), records, offset))
    return ZipLayout(b"".join(parts), data_starts, ends, record_ends, offset)


def _headers(
    rel_path: str, mode: int, crc32: int, sizes: Tuple[int, int], offset: int
) -> Tuple[bytes, bytes]:
    """An entry's local header and central directory record, each with the name; `sizes` are
    the compressed and uncompressed sizes, `offset` where the local header starts."""
    name, flags = _encoded_name(rel_path)
    shared = (flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, crc32, *sizes, len(name))
    header = _LOCAL_HEADER.pack(*_LOCAL_START, *shared, 0) + name
    attributes = (*_NO_EXTRA_COMMENT_DISK_OR_TEXT_FLAG, (stat.S_IFREG | mode) << 16)
    central = _CENTRAL_HEADER.pack(*_CENTRAL_START, *shared, *attributes, offset)
    return header, central + name


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


class ForeignArchiveError(ValueError):
    """A zip laid out otherwise than `zip_archive` writes it."""


_MODES = (0o644, 0o755)


def read_archive(data: Buffer) -> List[Tuple[str, int, Deflated]]:
    """The (path, mode, content) entries of a zip `zip_archive` wrote; contents are views of data.

    Refuses any other layout, byte for byte: another writer's zip may hold the same files
    compressed otherwise, and reusing its bytes would change the package's CodeSha256. The
    compressed bytes themselves are not checked here: the caller knows the zip's SHA-256.
    """
    view = memoryview(data)
    count, directory_size, directory_offset = _read_end_records(view)
    entries: List[Tuple[str, int, Deflated]] = []
    position, offset = directory_offset, 0
    for _ in range(count):
        fields = _unpack(_CENTRAL_HEADER, view, position)
        flags, crc32, compressed_size, size, name_length = (*fields[5:6], *fields[9:13])
        mode = fields[17] >> 16 & 0o7777
        name_start = position + _CENTRAL_HEADER.size
        path = _decoded_name(bytes(view[name_start : name_start + name_length]), flags)
        header, central = _headers(path, mode, crc32, (compressed_size, size), offset)
        data_start = offset + len(header)
        if (
            mode not in _MODES
            or view[position : position + len(central)] != central
            or view[offset:data_start] != header
        ):
            raise ForeignArchiveError(f"the entry {path!r} is not written as we write it")
        data_end = data_start + compressed_size
        entries.append((path, mode, Deflated(crc32, view[data_start:data_end], size)))
        position, offset = position + len(central), data_end
    if offset != directory_offset or position != directory_offset + directory_size:
        raise ForeignArchiveError("its entries and directory do not follow each other")
    return entries


def _read_end_records(view: memoryview) -> Tuple[int, int, int]:
    """The entry count, size and offset of the central directory, from records we wrote."""
    end = _unpack(_END_RECORD, view, len(view) - _END_RECORD.size)
    count, directory_size, directory_offset = end[4:7]
    records = directory_offset + directory_size
    if view[records : records + 4].tobytes() == b"PK\x06\x06":
        count = _unpack(_ZIP64_END_RECORD, view, records)[6]
    if view[records:] != _end_records(count, directory_size, directory_offset):
        raise ForeignArchiveError("its end records are not the ones we write")
    return count, directory_size, directory_offset


def _unpack(layout: struct.Struct, view: memoryview, offset: int) -> Tuple[Any, ...]:
    if not 0 <= offset <= len(view) - layout.size:
        raise ForeignArchiveError("it is truncated")
    return layout.unpack_from(view, offset)


def _decoded_name(name: bytes, flags: int) -> str:
    try:
        return name.decode("utf-8" if flags & _UTF8_NAME else "ascii")
    except UnicodeDecodeError as exc:
        raise ForeignArchiveError(f"an entry name is not {exc.encoding}") from exc
