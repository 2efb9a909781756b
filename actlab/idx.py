"""Reader for the IDX format of MNIST / Fashion-MNIST (LeCun's `.idx?-ubyte`, optionally gzipped).

The format is tiny, so it is read by hand: a 4-byte magic (0, 0, dtype code, ndim), ndim
big-endian uint32 sizes, then the raw array. Everything is checked so a bad file gives a clear
``ValueError`` instead of a silently wrong tensor.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode decompressed IDX bytes into an array of the declared dtype and shape."""
    if len(raw) < 4:
        raise ValueError(f"{source}: {len(raw)} bytes is too short for an IDX header")
    zero0, zero1, code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0 or code not in _DTYPES or ndim == 0:
        raise ValueError(f"{source}: bad IDX magic {raw[:4].hex()} (expected 0000 + dtype + ndim)")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise ValueError(f"{source}: truncated IDX header ({len(raw)} of {header_len} bytes)")
    shape = struct.unpack(f">{ndim}I", raw[4:header_len])
    dtype = _DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    body = len(raw) - header_len
    if body != expected:
        raise ValueError(
            f"{source}: IDX body has {body} bytes but shape {shape} of {dtype} needs {expected}"
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header_len).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file from disk; ``.gz`` files are decompressed transparently."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"IDX file not found: {path}")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path}: corrupt or truncated gzip stream ({err})") from err
    return parse_idx(data, source=str(path))


def parse_idx_header(head: bytes, source: str = "<bytes>") -> tuple[np.dtype, tuple[int, ...]]:
    """Dtype and shape from the first bytes of an IDX file (magic plus sizes; no body needed)."""
    if len(head) < 4:
        raise ValueError(f"{source}: {len(head)} bytes is too short for an IDX header")
    zero0, zero1, code, ndim = head[0], head[1], head[2], head[3]
    if zero0 != 0 or zero1 != 0 or code not in _DTYPES or ndim == 0:
        raise ValueError(f"{source}: bad IDX magic {head[:4].hex()} (expected 0000 + dtype + ndim)")
    header_len = 4 + 4 * ndim
    if len(head) < header_len:
        raise ValueError(f"{source}: truncated IDX header ({len(head)} of {header_len} bytes)")
    return _DTYPES[code], tuple(int(n) for n in struct.unpack(f">{ndim}I", head[4:header_len]))


def read_idx_header(path: str | Path) -> tuple[np.dtype, tuple[int, ...]]:
    """Dtype and shape of an IDX file without reading its body: cheap enough to list sources."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"IDX file not found: {path}")
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if gzipped else open
        with opener(path, "rb") as stream:
            head = stream.read(4 + 4 * 255)
    except (OSError, EOFError) as err:
        raise ValueError(f"{path}: corrupt or truncated gzip stream ({err})") from err
    return parse_idx_header(head, source=str(path))
