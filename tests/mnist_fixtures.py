"""Test helpers for the MNIST lesson: small generated IDX files, a local HTTP mirror, and small
training configurations."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from actlab import training
from actlab.datasets import STANDARD_FILES, Checksum

_CODES = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode an array as IDX written out by hand from the format description."""
    dtype = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    header = bytes([0, 0, _CODES[dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def tiny_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    return images, labels


def tiny_dataset_files(n_train: int = 30, n_test: int = 20, seed: int = 0) -> dict[str, bytes]:
    """The four standard files (decompressed IDX bytes) of a small random dataset."""
    train, test = tiny_split(n_train, seed), tiny_split(n_test, seed + 1)
    return {
        STANDARD_FILES["train_images"]: idx_bytes(train[0]),
        STANDARD_FILES["train_labels"]: idx_bytes(train[1]),
        STANDARD_FILES["test_images"]: idx_bytes(test[0]),
        STANDARD_FILES["test_labels"]: idx_bytes(test[1]),
    }


def gz(raw: bytes, mtime: int = 0) -> bytes:
    return gzip.compress(raw, mtime=mtime)


def md5_checksums(files: dict[str, bytes]) -> dict[str, Checksum]:
    """Mirror-style checksums: MD5 of the exact .gz bytes the server sends (mtime 0)."""
    return {name: Checksum(md5_gz=hashlib.md5(gz(raw)).hexdigest()) for name, raw in files.items()}


def sha_checksums(files: dict[str, bytes]) -> dict[str, Checksum]:
    """Re-compression-proof checksums: SHA-256 of the decompressed IDX bytes."""
    return {name: Checksum(sha256=hashlib.sha256(raw).hexdigest()) for name, raw in files.items()}


def write_files(folder: Path, files: dict[str, bytes], compress: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in files.items():
        if compress:
            (folder / f"{name}.gz").write_bytes(gz(raw))
        else:
            (folder / name).write_bytes(raw)
    return folder


class Mirror:
    """A local HTTP server: ``routes`` maps URL paths to bytes; ``modes`` picks misbehaviour.

    Modes: ``"truncate"`` announces the full length, sends half and closes; ``"stall"`` sends
    half and then goes silent for ``stall_seconds``.
    """

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.modes: dict[str, str] = {}
        self.requests: list[str] = []
        self.stall_seconds = 3.0
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                mirror.requests.append(self.path)
                body = mirror.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                mode = mirror.modes.get(self.path, "ok")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "ok":
                    self.wfile.write(body)
                    return
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if mode == "stall":
                    time.sleep(mirror.stall_seconds)
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def publish(self, prefix: str, files: dict[str, bytes], compress: bool = True) -> str:
        """Serve ``files`` as ``<prefix>/<name>.gz``; returns the mirror base URL."""
        for name, raw in files.items():
            self.routes[f"{prefix}/{name}.gz"] = gz(raw) if compress else raw
        return f"{self.url}{prefix}/"


@contextmanager
def local_mirror() -> Iterator[Mirror]:
    mirror = Mirror()
    mirror.thread.start()
    try:
        yield mirror
    finally:
        mirror.server.shutdown()
        mirror.server.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: what being offline looks like to urllib."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# --- small trainings --------------------------------------------------------------------------

SMALL = {"train_limit": 1000, "hidden": (32,), "batch_size": 50, "device": "cpu"}


def small(**changes) -> training.TrainingConfig:
    """1,000 bundled training images, 784 -> 32 -> 10, batch 50 (20 steps an epoch), one
    evaluation per epoch: a run of a fraction of a second."""
    return training.TrainingConfig(**(SMALL | {"evals_per_epoch": 1} | changes))


def weights_of(result: training.TrainingResult, seed_index: int, member: int) -> list[torch.Tensor]:
    return [t for layer in result.model.member_weights(seed_index, member) for t in layer]
