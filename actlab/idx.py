"""Reader for the IDX format of MNIST / Fashion-MNIST (LeCun's `.idx?-ubyte`, optionally gzipped).

The format is tiny, so it is read by hand: a 4-byte magic (0, 0, dtype code, ndim), ndim
big-endian uint32 sizes, then the raw array. Everything is checked so a bad file gives a clear
``ValueError`` instead of a silently wrong tensor: a ``Refusal``, which the page says in the
visitor's language (the files come from a folder a visitor names).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from actlab.i18n import N_, Refusal

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_CORRUPT_GZIP = N_("{file}: corrupt or truncated gzip stream ({reason})")


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode decompressed IDX bytes into an array of the declared dtype and shape."""
    dtype, shape = parse_idx_header(raw, source)
    header_len = 4 + 4 * len(shape)
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    body = len(raw) - header_len
    if body != expected:
        raise Refusal(
            N_("{source}: IDX body has {body} bytes but shape {shape} of {dtype} needs {expected}"),
            source=source,
            body=body,
            shape=shape,
            dtype=dtype,
            expected=expected,
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header_len).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx_bytes(path: str | Path, max_bytes: int) -> tuple[bytearray, str | None]:
    """The decompressed bytes of an IDX file (plain or ``.gz``) and the MD5 of its ``.gz`` bytes.

    Never holds more than ``max_bytes`` decompressed bytes (plus one chunk of the compressed
    file): a plain file larger than that is refused from its size, and a gzip stream is
    decompressed piece by piece with a byte limit, so a header that lies or a gzip bomb is
    refused as soon as the limit is passed, before memory for the rest is taken. ``OSError``
    from the file system propagates; everything wrong with the bytes is a ``ValueError``
    naming the file (not its folder).
    """
    path = Path(path)
    with path.open("rb") as stream:
        if stream.read(2) != b"\x1f\x8b":
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                raise Refusal(
                    N_("{file}: {size} bytes is more than the {limit} expected"),
                    file=path.name,
                    size=f"{size:,}",
                    limit=f"{max_bytes:,}",
                )
            stream.seek(0)
            return bytearray(stream.read(size)), None
        stream.seek(0)
        md5 = hashlib.md5()
        try:
            raw = _gunzip_limited(stream, max_bytes, md5)
        except zlib.error as err:
            raise Refusal(_CORRUPT_GZIP, file=path.name, reason=str(err)) from None
        if raw is None:
            raise Refusal(
                N_(
                    "{file}: decompresses to more than the {limit} bytes expected; not read further"
                ),
                file=path.name,
                limit=f"{max_bytes:,}",
            )
        return raw, md5.hexdigest()


def _gunzip_limited(stream: BinaryIO, max_bytes: int, md5: Any) -> bytearray | None:
    """Decompress a gzip stream (members one after another) into at most ``max_bytes``.

    ``None`` as soon as there is more; ``zlib.error`` for a corrupt or truncated stream.
    ``md5`` is fed every compressed byte read.
    """
    out = bytearray()
    decompressor = zlib.decompressobj(wbits=31)
    pending = b""
    while True:
        if not pending:
            pending = stream.read(1 << 16)
            if not pending:
                break
            md5.update(pending)
        if decompressor.eof:  # another gzip member follows, or zero padding
            if not pending.strip(b"\0"):
                pending = b""
                continue
            decompressor = zlib.decompressobj(wbits=31)
        out += decompressor.decompress(pending, max_bytes + 1 - len(out))
        if len(out) > max_bytes:
            return None
        pending = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
    if not decompressor.eof:
        # internal: read_idx_bytes turns it into a Refusal
        raise zlib.error("the stream ends before its end marker")
    return out


def parse_idx_header(head: bytes, source: str = "<bytes>") -> tuple[np.dtype, tuple[int, ...]]:
    """Dtype and shape from the first bytes of an IDX file (magic plus sizes; no body needed)."""
    if len(head) < 4:
        raise Refusal(
            N_("{source}: {size} bytes is too short for an IDX header"),
            source=source,
            size=len(head),
        )
    zero0, zero1, code, ndim = head[0], head[1], head[2], head[3]
    if zero0 != 0 or zero1 != 0 or code not in _DTYPES or ndim == 0:
        raise Refusal(
            N_("{source}: bad IDX magic {magic} (expected 0000 + dtype + ndim)"),
            source=source,
            magic=head[:4].hex(),
        )
    header_len = 4 + 4 * ndim
    if len(head) < header_len:
        raise Refusal(
            N_("{source}: truncated IDX header ({size} of {needed} bytes)"),
            source=source,
            size=len(head),
            needed=header_len,
        )
    return _DTYPES[code], tuple(int(n) for n in struct.unpack(f">{ndim}I", head[4:header_len]))


def read_idx_header(path: str | Path) -> tuple[np.dtype, tuple[int, ...]]:
    """Dtype and shape of an IDX file without reading its body: cheap enough to list sources.

    ``OSError`` from the file system propagates; a bad header is a ``ValueError`` naming the
    file (not its folder).
    """
    path = Path(path)
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        try:
            if gzipped:
                with gzip.GzipFile(fileobj=raw) as stream:
                    head = stream.read(4 + 4 * 255)
            else:
                head = raw.read(4 + 4 * 255)
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise Refusal(_CORRUPT_GZIP, file=path.name, reason=str(err)) from None
    return parse_idx_header(head, source=path.name)
