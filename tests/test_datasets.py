"""actlab.datasets: sources in order, IDX checks, checksums, and real downloads from 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from mnist_fixtures import (
    closed_port_url,
    gz,
    idx_bytes,
    local_mirror,
    md5_checksums,
    sha_checksums,
    tiny_dataset_files,
    tiny_split,
    write_files,
)

from actlab import datasets, i18n, idx
from actlab.bundled import BUNDLED_MNIST_DIR
from actlab.datasets import Checksum, DownloadError

FASHION_SYSTEM = Path("/usr/share/datasets/fashion-mnist")
needs_fashion = pytest.mark.skipif(
    not (FASHION_SYSTEM / "train-labels-idx1-ubyte.gz").is_file(),
    reason="Debian's dataset-fashion-mnist is not installed",
)


pytestmark = pytest.mark.usefixtures("isolated_data_dirs")


# --- files and checks -------------------------------------------------------------------------


def test_folder_with_plain_gzipped_and_torchvision_layouts(tmp_path):
    files = tiny_dataset_files(n_train=30, n_test=20)
    plain = write_files(tmp_path / "plain", files, compress=False)
    write_files(tmp_path / "tv" / "MNIST" / "raw", files)
    for folder in (plain, tmp_path / "tv", tmp_path / "tv" / "MNIST"):
        source = datasets.folder_source("mnist", folder)
        assert (source.n_train, source.n_test) == (30, 20)
    data = datasets.load_source(datasets.folder_source("mnist", tmp_path / "tv"))
    expected_images, expected_labels = tiny_split(30, seed=0)
    np.testing.assert_array_equal(data.train_images, expected_images)
    np.testing.assert_array_equal(data.train_labels, expected_labels)
    assert data.train_images.dtype == np.uint8 and not data.train_images.flags.writeable
    assert data.verified == () and len(data.unverified) == 4  # random bytes match no checksum


def test_missing_file_names_the_file(tmp_path):
    files = tiny_dataset_files()
    del files["t10k-labels-idx1-ubyte"]
    write_files(tmp_path, files)
    with pytest.raises(ValueError, match="no t10k-labels-idx1-ubyte"):
        datasets.folder_source("mnist", tmp_path)
    with pytest.raises(ValueError, match="folder not found"):
        datasets.folder_source("mnist", tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("train-images-idx3-ubyte", b"\x00\x00\x08", "too short"),
        ("train-images-idx3-ubyte", b"\x01\x02\x08\x03" + bytes(12), "bad IDX magic"),
        ("train-images-idx3-ubyte", b"\x00\x00\x08\x03\x00\x00", "truncated IDX header"),
        ("train-images-idx3-ubyte", idx_bytes(np.zeros((30, 28, 27), np.uint8)), "N×28×28"),
        ("train-images-idx3-ubyte", idx_bytes(np.zeros((30, 28, 28), ">i4")), "found >i4"),
        ("train-labels-idx1-ubyte", idx_bytes(np.zeros(29, np.uint8)), "30 train images but 29"),
    ],
)
def test_bad_headers_give_clear_errors(tmp_path, name, payload, message):
    files = tiny_dataset_files(n_train=30)
    files[name] = payload
    write_files(tmp_path, files)
    with pytest.raises(ValueError, match=message):
        datasets.folder_source("mnist", tmp_path)


def test_truncated_body_and_gzip_and_bad_labels(tmp_path):
    files = tiny_dataset_files(n_train=30)
    folder = write_files(tmp_path, files)
    source = datasets.folder_source("mnist", folder)
    image_file = folder / "train-images-idx3-ubyte.gz"
    image_file.write_bytes(gz(files["train-images-idx3-ubyte"][:-100]))  # header still fine
    with pytest.raises(ValueError, match="IDX body has 23420 bytes but shape"):
        datasets.load_source(source)
    image_file.write_bytes(gz(files["train-images-idx3-ubyte"])[:-40])  # cut gzip stream
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        datasets.load_source(source)
    image_file.write_bytes(gz(files["train-images-idx3-ubyte"]))
    bad_labels = np.full(30, 10, np.uint8)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gz(idx_bytes(bad_labels)))
    with pytest.raises(ValueError, match=r"label 10 is outside 0\.\.9"):
        datasets.load_source(datasets.folder_source("mnist", folder))


def test_unknown_names_are_rejected():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        datasets.load("cifar")
    with pytest.raises(ValueError, match="unknown source 'web'"):
        datasets.load("mnist", source="web")
    with pytest.raises(ValueError, match="no folder given"):
        datasets.load("mnist", source="folder")


# --- sources and checksums --------------------------------------------------------------------


def test_bundled_mnist_is_the_fallback_and_matches_published_sha256():
    """The README's SHA-256 values, hashed here independently of the loader."""
    published = {
        "train-5k-images-idx3-ubyte.gz": "a4a9358b9ba319305e7cd69b2c7410e4"
        "63401e152d7e9e60189b94a3f159d012",
        "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351"
        "222c34898ecbeaf847f06e48f7ec33f2",
    }
    for name, sha in published.items():
        raw = gzip.decompress((BUNDLED_MNIST_DIR / name).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == sha
    t10k_gz = (BUNDLED_MNIST_DIR / "t10k-images-idx3-ubyte.gz").read_bytes()
    assert hashlib.md5(t10k_gz).hexdigest() == "9fb629c4189551a2d022fa330f9573f3"  # byte for byte
    data = datasets.load("mnist")
    assert data.source.kind == "bundled"
    assert data.train_images.shape == (5000, 28, 28) and data.test_images.shape == (10000, 28, 28)
    assert np.bincount(data.train_labels).tolist() == [500] * 10
    assert len(data.verified) == 4 and data.unverified == ()
    assert "5,000 training + 10,000 test images" in data.source.describe()


def test_sources_come_in_order_folder_cache_bundled(tmp_path, monkeypatch):
    write_files(datasets.cache_dir("mnist"), tiny_dataset_files(n_train=40))
    user = write_files(tmp_path / "mine", tiny_dataset_files(n_train=50))
    kinds = [s.kind for s in datasets.find_sources("mnist", folder=user)]
    assert kinds == ["folder", "cache", "bundled"]
    assert [s.kind for s in datasets.find_sources("mnist")] == ["cache", "bundled"]
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(user))
    assert datasets.load("mnist").train_images.shape[0] == 50
    assert datasets.load("mnist", source="cache").train_images.shape[0] == 40
    assert datasets.load("mnist", source="bundled").train_images.shape[0] == 5000
    with pytest.raises(ValueError, match="a system copy is not available"):
        datasets.load("mnist", source="system")


@needs_fashion
def test_debian_fashion_copy_is_found_and_verified_by_sha256(tmp_path):
    """Debian re-gzipped the files: the .gz MD5 differs, the decompressed SHA-256 matches."""
    source = next(s for s in datasets.find_sources("fashion-mnist") if s.kind == "system")
    labels_gz = source.path("train_labels").read_bytes()
    assert hashlib.md5(labels_gz).hexdigest() != "25c81989df183df01b3e8a0aad5dffbe"
    assert (source.n_train, source.n_test) == (60000, 10000)
    # Fashion files offered as MNIST are recognised by their checksums.
    fake = tmp_path / "fake"
    fake.mkdir()
    for _, path in source.paths:
        (fake / path.name).symlink_to(path)
    with pytest.raises(ValueError, match="is Fashion-MNIST, not MNIST"):
        datasets.load_source(datasets.folder_source("mnist", fake))


def test_fashion_without_any_copy_says_what_to_do(monkeypatch):
    monkeypatch.setattr(
        datasets, "DATASETS", {**datasets.DATASETS, "fashion-mnist": _without_system_dir()}
    )
    with pytest.raises(ValueError, match="download it, give a folder"):
        datasets.load("fashion-mnist")


def _without_system_dir() -> datasets.DatasetInfo:
    from dataclasses import replace

    return replace(datasets.FASHION_MNIST, system_dirs=())


# --- downloads against a local HTTP server ----------------------------------------------------


def test_download_verifies_md5_writes_atomically_and_reports_progress(tmp_path):
    files = tiny_dataset_files(n_train=30, n_test=20)
    seen = []
    with local_mirror() as mirror:
        base = mirror.publish("/good", files)
        source = datasets.download(
            "mnist", mirrors=(base,), checksums=md5_checksums(files), on_progress=seen.append
        )
        assert source.kind == "cache" and source.directory == datasets.cache_dir("mnist")
        assert len(mirror.requests) == 4
        datasets.download("mnist", mirrors=(base,), checksums=md5_checksums(files))
        assert len(mirror.requests) == 4  # verified files already cached are kept
    assert sorted(p.name for p in source.directory.iterdir()) == sorted(f"{n}.gz" for n in files)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[-1].done == seen[-1].total == len(gz(files["t10k-labels-idx1-ubyte"]))
    data = datasets.load("mnist")  # the cache now comes before the bundled copy
    assert data.source.kind == "cache" and data.train_images.shape == (30, 28, 28)


def test_download_accepts_recompressed_copy_by_sha256(tmp_path):
    files = tiny_dataset_files()
    with local_mirror() as mirror:
        # Different gzip headers (mtime) change every .gz MD5 but not the data's SHA-256.
        for name, raw in files.items():
            mirror.routes[f"/re/{name}.gz"] = gzip.compress(raw, mtime=123456)
        checksums = {
            name: Checksum(md5_gz=md5_checksums(files)[name].md5_gz, sha256=c.sha256)
            for name, c in sha_checksums(files).items()
        }
        source = datasets.download(
            "fashion-mnist", tmp_path / "dest", mirrors=(f"{mirror.url}/re/",), checksums=checksums
        )
    assert source.kind == "folder" and source.n_train == 30


def test_corrupt_file_falls_through_to_next_mirror_and_is_never_cached(tmp_path):
    files = tiny_dataset_files()
    corrupt = dict(files)
    corrupt["train-images-idx3-ubyte"] = files["train-images-idx3-ubyte"][:-1] + b"\x07"
    dest = tmp_path / "dest"
    with local_mirror() as mirror:
        bad = mirror.publish("/bad", corrupt)
        good = mirror.publish("/good", files)
        datasets.download("mnist", dest, mirrors=(bad, good), checksums=md5_checksums(files))
        assert mirror.requests.count("/good/train-images-idx3-ubyte.gz") == 1
        assert mirror.requests.count("/good/train-labels-idx1-ubyte.gz") == 0
        (dest / "train-images-idx3-ubyte.gz").unlink()
        with pytest.raises(DownloadError, match="checksum mismatch"):
            datasets.download("mnist", dest, mirrors=(bad,), checksums=md5_checksums(files))
    assert not (dest / "train-images-idx3-ubyte.gz").exists()
    assert not list(dest.glob("*.part"))  # the temporary file is gone too


@pytest.mark.parametrize(("mode", "message"), [("truncate", "closed"), ("stall", "timed out")])
def test_interrupted_download_is_not_cached(tmp_path, mode, message):
    files = tiny_dataset_files()
    with local_mirror() as mirror:
        base = mirror.publish("/m", files)
        mirror.modes["/m/train-images-idx3-ubyte.gz"] = mode
        mirror.stall_seconds = 2.0
        with pytest.raises(DownloadError, match=message):
            datasets.download(
                "mnist", tmp_path, mirrors=(base,), checksums=md5_checksums(files), timeout=0.3
            )
    assert not (tmp_path / "train-images-idx3-ubyte.gz").exists()
    assert not list(tmp_path.glob(".*.part"))


def test_offline_download_fails_clearly_and_bundled_data_still_loads(tmp_path):
    with pytest.raises(DownloadError, match=r"could not download train-images.*unreachable"):
        datasets.download("mnist", mirrors=(closed_port_url(),), timeout=2)
    assert not datasets.cache_dir("mnist").exists() or not any(
        datasets.cache_dir("mnist").iterdir()
    )
    with local_mirror() as mirror, pytest.raises(DownloadError, match="HTTP 404"):
        datasets.download("mnist", tmp_path, mirrors=(f"{mirror.url}/none/",))
    assert datasets.load("mnist").source.kind == "bundled"


def test_a_folders_problems_and_a_mirrors_failures_are_said_in_chinese(tmp_path):
    files = tiny_dataset_files(n_train=30)
    files["train-labels-idx1-ubyte"] = idx_bytes(np.zeros(29, np.uint8))
    write_files(tmp_path / "short", files)
    with pytest.raises(ValueError) as refused:
        datasets.folder_source("mnist", tmp_path / "short")
    with i18n.using("zh-CN"):
        assert refused.value.localized() == (
            "该文件夹中没有完整的 MNIST：训练集有 30 张图像，却有 29 个标签"
        )
    corrupt = tiny_dataset_files()
    corrupt["train-images-idx3-ubyte"] = b"\x00\x00\x08"
    with local_mirror() as mirror:
        bad = mirror.publish("/bad", corrupt)
        with pytest.raises(DownloadError) as failed:
            datasets.download("mnist", tmp_path / "dest", mirrors=(bad,), checksums={})
    assert "no published checksum to verify against; not caching it" in str(failed.value)
    with i18n.using("zh-CN"):
        said = failed.value.localized()
    assert "没有可供核对的公开校验和，因此不缓存" in said, said
    assert "no published" not in said


def test_download_refuses_files_without_a_checksum(tmp_path):
    files = tiny_dataset_files()
    with local_mirror() as mirror:
        base = mirror.publish("/m", files)
        with pytest.raises(DownloadError, match="no published checksum"):
            datasets.download("mnist", tmp_path, mirrors=(base,), checksums={})
    assert not list(tmp_path.iterdir())


# --- a folder field on a public server --------------------------------------------------------


def test_the_folder_field_is_an_operator_choice_off_by_default(monkeypatch):
    monkeypatch.delenv(datasets.ALLOW_FOLDER_ENV, raising=False)
    assert not datasets.folder_field_allowed()
    for value, allowed in [("1", True), ("yes", True), ("0", False), ("", False)]:
        monkeypatch.setenv(datasets.ALLOW_FOLDER_ENV, value)
        assert datasets.folder_field_allowed() is allowed


def _locked_folder(tmp_path: Path, monkeypatch) -> Path:
    """A folder holding the dataset that this process may not read (simulated for root)."""
    locked = write_files(tmp_path / "locked", tiny_dataset_files())
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads anything: refuse as the kernel would for anyone else
        real_stat = Path.stat

        def stat(self, *args, **kwargs):
            if locked in self.parents:
                raise PermissionError(13, "Permission denied", str(self))
            return real_stat(self, *args, **kwargs)

        monkeypatch.setattr(Path, "stat", stat)
    return locked


@pytest.mark.parametrize(
    "case", ["missing", "a file", "permission denied", "/proc/1/root", "10,000 characters", "loop"]
)
def test_unusable_folders_all_get_one_message_without_the_path(tmp_path, monkeypatch, case):
    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    folder = {
        "missing": str(tmp_path / "nowhere"),
        "a file": str(tmp_path / "file"),
        "permission denied": "",
        "/proc/1/root": "/proc/1/root",
        "10,000 characters": "/" + "a" * 9_999,
        "loop": str(tmp_path / "loop"),
    }[case] or str(_locked_folder(tmp_path, monkeypatch))
    for attempt in (
        lambda: datasets.folder_source("mnist", folder),
        lambda: datasets.load("mnist", source="folder", folder=folder),
        lambda: datasets.resolve_source("mnist", "folder", folder),
    ):
        with pytest.raises(ValueError) as caught:
            attempt()
        assert str(caught.value) == datasets.FOLDER_UNUSABLE
        assert str(tmp_path) not in str(caught.value) and "/proc" not in str(caught.value)
    # The automatic choice skips such a folder and falls back to the bundled copy.
    assert datasets.load("mnist", folder=folder).source.kind == "bundled"


def test_messages_name_files_never_the_servers_folders(tmp_path):
    files = tiny_dataset_files()
    files["train-labels-idx1-ubyte"] = idx_bytes(np.zeros(29, np.uint8))
    folder = write_files(tmp_path / "mine", files)
    with pytest.raises(ValueError, match="30 train images but 29 labels") as caught:
        datasets.folder_source("mnist", folder)
    assert str(tmp_path) not in str(caught.value)
    files = tiny_dataset_files()
    files["train-images-idx3-ubyte"] = files["train-images-idx3-ubyte"][:-5]
    source = datasets.folder_source("mnist", write_files(tmp_path / "cut", files))
    with pytest.raises(ValueError, match=r"^train-images-idx3-ubyte\.gz: IDX body has") as caught:
        datasets.load_source(source)
    assert str(tmp_path) not in str(caught.value)
    assert str(tmp_path) not in source.describe()
    bundled = datasets.load("mnist").source.describe()
    assert bundled.startswith("MNIST from the copy bundled with actlab: 5,000 training")
    assert str(BUNDLED_MNIST_DIR) not in bundled and "/" not in bundled


def _peak_bytes_of(call) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        call()
        error = None
    except ValueError as err:
        error = err
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, peak


def test_a_header_claiming_1_5_million_images_is_refused_before_reading(tmp_path):
    files = tiny_dataset_files()
    header = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 1_500_000, 28, 28)
    files["train-images-idx3-ubyte"] = header + bytes(784 * 10)
    files["train-labels-idx1-ubyte"] = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 1_500_000)
    folder = write_files(tmp_path, files)
    error, peak = _peak_bytes_of(lambda: datasets.folder_source("mnist", folder))
    assert "declares 1,500,000 images; this app reads at most 100,000" in str(error)
    assert peak < 1_000_000  # 1.2 GB before this check existed


def test_a_gzip_bomb_is_cut_off_at_the_size_its_header_declares(tmp_path):
    files = tiny_dataset_files(n_train=30)
    folder = write_files(tmp_path, files)
    source = datasets.folder_source("mnist", folder)
    # The header still says 30 images; the stream goes on for 200 MB of zeros (~200 kB of gz).
    bomb = files["train-images-idx3-ubyte"] + bytes(200_000_000)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(bomb, compresslevel=9))
    error, peak = _peak_bytes_of(lambda: datasets.load_source(source))
    assert "decompresses to more than the 23,536 bytes expected" in str(error)
    assert peak < 2_000_000
    # A plain file larger than its header says is refused from its size, unread.
    (folder / "train-images-idx3-ubyte.gz").unlink()
    (folder / "train-images-idx3-ubyte").write_bytes(bomb[:50_000_000])
    error, peak = _peak_bytes_of(
        lambda: datasets.load_source(datasets.folder_source("mnist", folder))
    )
    assert "50,000,000 bytes is more than the 23,536 expected" in str(error)
    assert peak < 2_000_000


def test_bounded_reader_handles_several_gzip_members_and_counts_md5_of_the_file(tmp_path):
    raw = tiny_dataset_files()["train-labels-idx1-ubyte"]
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(raw[:10]) + gzip.compress(raw[10:]) + bytes(8))
    data, md5 = idx.read_idx_bytes(path, len(raw))
    assert bytes(data) == raw and md5 == hashlib.md5(path.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="decompresses to more than the 37 bytes"):
        idx.read_idx_bytes(path, len(raw) - 1)
