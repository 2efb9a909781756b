"""MNIST and Fashion-MNIST: where the files come from, how they are checked, how they arrive.

Sources are tried in a fixed order so a page can always say exactly what it trains on:
a user folder (``ACTLAB_DATA_DIR``, or a page field where the operator allows it with
``ACTLAB_ALLOW_DATA_FOLDER=1``; torchvision's ``MNIST/raw`` layout works too), the user cache,
a system copy (Debian's ``dataset-fashion-mnist``), and the MNIST subset bundled with the
package. Downloads only happen on request, stream into a temporary file, and are renamed into
the cache only after their checksum matches: a failed or partial download is never cached.

A public server's visitors may type any text into a folder field, so nothing here tells them
about the server's file system: no message holds a server path, a folder that is missing,
unreadable or holds no dataset file gets one and the same message, and every file is read
with a byte limit taken from its IDX header, itself capped at ``MAX_IMAGES``.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from actlab.i18n import N_, Joined, Message, Refusal, reason
from actlab.idx import parse_idx, read_idx_bytes, read_idx_header
from actlab.said import Said

# The MNIST subset shipped inside the package (actlab.bundled is the lessons' short path to it).
BUNDLED_MNIST_DIR = Path(__file__).parent / "data" / "mnist"
DATA_DIR_ENV = "ACTLAB_DATA_DIR"
CACHE_DIR_ENV = "ACTLAB_CACHE_DIR"
ALLOW_FOLDER_ENV = "ACTLAB_ALLOW_DATA_FOLDER"
SOURCE_KINDS = ("folder", "cache", "system", "bundled")
ROLES = ("train_images", "train_labels", "test_images", "test_labels")
STANDARD_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10
# Images (or labels) one file may declare: full MNIST has 60,000; 100,000 is 78 MB of pixels.
MAX_IMAGES = 100_000
MAX_IDX_BYTES = 16 + MAX_IMAGES * IMAGE_SHAPE[0] * IMAGE_SHAPE[1]  # header + pixels
MAX_DOWNLOAD_BYTES = 100_000_000  # the largest published .gz is 26 MB
FOLDER_UNUSABLE = N_(
    "folder not found or not readable, or it holds none of the dataset's files: give a folder "
    "with the four IDX files (e.g. train-images-idx3-ubyte.gz) or torchvision's root "
    "(MNIST/raw inside)"
)


def folder_field_allowed() -> bool:
    """Whether a page may let its visitors type a folder on the server to read data from.

    Off unless the operator sets ``ACTLAB_ALLOW_DATA_FOLDER=1``: on a public server anyone
    could otherwise probe the server's files through the field. ``ACTLAB_DATA_DIR`` (a folder
    the operator chose) works either way.
    """
    return os.environ.get(ALLOW_FOLDER_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Checksum:
    """Published checksums of one file: MD5 of the mirrors' ``.gz`` and SHA-256 of the raw IDX.

    Re-compressed copies (Debian's) have other ``.gz`` bytes, so the decompressed SHA-256 is
    what identifies them.
    """

    md5_gz: str | None = None
    sha256: str | None = None

    def matches(self, gz_md5: str | None, raw_sha256: str) -> bool:
        return (self.md5_gz is not None and gz_md5 == self.md5_gz) or (
            self.sha256 is not None and raw_sha256 == self.sha256
        )


@dataclass(frozen=True)
class DatasetInfo:
    """Everything known about one dataset before any file is touched."""

    id: str
    display_name: str
    class_names: tuple[str, ...]
    mirrors: tuple[str, ...]
    checksums: Mapping[str, Checksum]
    system_dirs: tuple[str, ...]
    torchvision_name: str
    citation: str
    files: Mapping[str, str] = field(default_factory=lambda: dict(STANDARD_FILES))


MNIST = DatasetInfo(
    id="mnist",
    display_name="MNIST",
    class_names=tuple(str(digit) for digit in range(10)),
    # The mirrors torchvision uses; LeCun's own page is often unreachable, so it comes last.
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    checksums={
        "train-images-idx3-ubyte": Checksum(md5_gz="f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        "train-labels-idx1-ubyte": Checksum(
            md5_gz="d53e105ee54ea40749a09fcbcd1e9432",
            sha256="65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ),
        "t10k-images-idx3-ubyte": Checksum(
            md5_gz="9fb629c4189551a2d022fa330f9573f3",
            sha256="0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ),
        "t10k-labels-idx1-ubyte": Checksum(
            md5_gz="ec29112dd5afa0611ce80d1b7f02629c",
            sha256="ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ),
        "train-5k-images-idx3-ubyte": Checksum(
            sha256="a4a9358b9ba319305e7cd69b2c7410e463401e152d7e9e60189b94a3f159d012"
        ),
        "train-5k-labels-idx1-ubyte": Checksum(
            sha256="704256e87519240fd1d7ecdf681fe209864691e252c6642aeadc21f3c4d44b41"
        ),
    },
    system_dirs=("/usr/share/datasets/mnist",),
    torchvision_name="MNIST",
    citation="The MNIST database of handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges)",
)

FASHION_MNIST = DatasetInfo(
    id="fashion-mnist",
    display_name="Fashion-MNIST",
    class_names=(  # marked: the page shows them in the visitor's language
        N_("T-shirt/top"),
        N_("Trouser"),
        N_("Pullover"),
        N_("Dress"),
        N_("Coat"),
        N_("Sandal"),
        N_("Shirt"),
        N_("Sneaker"),
        N_("Bag"),
        N_("Ankle boot"),
    ),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    checksums={
        "train-images-idx3-ubyte": Checksum(
            md5_gz="8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ),
        "train-labels-idx1-ubyte": Checksum(
            md5_gz="25c81989df183df01b3e8a0aad5dffbe",
            sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ),
        "t10k-images-idx3-ubyte": Checksum(
            md5_gz="bef4ecab320f06d8554ea6380940ec79",
            sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ),
        "t10k-labels-idx1-ubyte": Checksum(
            md5_gz="bb300cfdad3c16e7a12a480ee83cd310",
            sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    },
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    torchvision_name="FashionMNIST",
    citation="Fashion-MNIST (H. Xiao, K. Rasul, R. Vollgraf, Zalando Research, 2017)",
)

DATASETS: dict[str, DatasetInfo] = {MNIST.id: MNIST, FASHION_MNIST.id: FASHION_MNIST}
_BUNDLED_FILES = {
    "train_images": "train-5k-images-idx3-ubyte",
    "train_labels": "train-5k-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def dataset_info(dataset: str | DatasetInfo) -> DatasetInfo:
    """The ``DatasetInfo`` for an id; a clear ``ValueError`` for an unknown one."""
    if isinstance(dataset, DatasetInfo):
        return dataset
    try:
        return DATASETS[dataset]
    except (KeyError, TypeError):
        raise ValueError(  # internal: pages and configs offer only DATASETS' ids
            f"unknown dataset {dataset!r}; expected one of: {', '.join(DATASETS)}"
        ) from None


@dataclass(frozen=True)
class Source:
    """A complete set of the four files on disk, with sizes read from their headers."""

    kind: str
    dataset: str
    paths: tuple[tuple[str, Path], ...]  # (role, file) in ROLES order
    n_train: int
    n_test: int

    @property
    def directory(self) -> Path:
        return self.paths[0][1].parent

    @property
    def nbytes(self) -> int | None:
        """Bytes on disk (compressed where the files are gzipped); ``None`` if unreadable now."""
        try:
            return sum(path.stat().st_size for _, path in self.paths)
        except OSError:
            return None

    def path(self, role: str) -> Path:
        return dict(self.paths)[role]

    def describe(self) -> Said:
        """One line for the page: which source and how big (never the server's path). English
        as a ``str``; ``localized()`` in the page's language (a training describes its data on
        its own thread)."""
        where = {
            "folder": N_("your folder"),
            "cache": N_("the download cache"),
            "system": N_("the system copy"),
            "bundled": N_("the copy bundled with actlab"),
        }[self.kind]
        size = (
            ""
            if self.nbytes is None
            else Message(N_(", {size} MB on disk"), {"size": f"{self.nbytes / 1e6:.1f}"})
        )
        return Said(
            N_("{dataset} from {where}: {train} training + {test} test images{size}"),
            dataset=dataset_info(self.dataset).display_name,
            where=Message(where),
            train=f"{self.n_train:,}",
            test=f"{self.n_test:,}",
            size=size,
        )


def cache_dir(dataset: str | DatasetInfo) -> Path:
    """Per-user cache folder of one dataset (``ACTLAB_CACHE_DIR`` or the XDG cache)."""
    info = dataset_info(dataset)
    root = os.environ.get(CACHE_DIR_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "actlab"
    )
    return Path(root) / info.id


def _find_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    return None


def _folder_candidates(folder: Path, info: DatasetInfo) -> list[Path]:
    """The folder itself, or torchvision's ``<root>/MNIST/raw`` (also pointed at ``MNIST``)."""
    return [folder, folder / info.torchvision_name / "raw", folder / "raw"]


class _NoDatasetFiles(ValueError):
    """A folder holds none of the four files (said as ``FOLDER_UNUSABLE``, like a missing one)."""


def _source_in(directory: Path, kind: str, info: DatasetInfo, files: Mapping[str, str]) -> Source:
    """A ``Source`` from one folder, every header checked; ``ValueError`` says what is wrong.

    Messages name files, never the folder; ``OSError`` from the file system propagates.
    """
    found = {role: _find_file(directory, files[role]) for role in ROLES}
    if not any(found.values()):
        raise _NoDatasetFiles(FOLDER_UNUSABLE)
    paths = []
    for role in ROLES:
        if found[role] is None:
            raise Refusal(N_("it has no {file} (or {file}.gz)"), file=files[role])
        paths.append((role, found[role]))
    shapes = {}
    for role, path in paths:
        dtype, shape = read_idx_header(path)
        expected = (None, *IMAGE_SHAPE) if role.endswith("images") else (None,)
        if dtype != np.uint8 or len(shape) != len(expected) or shape[1:] != expected[1:]:
            raise Refusal(
                N_("{file}: expected uint8 N×28×28 images, found {dtype} with shape {shape}")
                if len(expected) == 3
                else N_("{file}: expected uint8 N labels, found {dtype} with shape {shape}"),
                file=path.name,
                dtype=dtype,
                shape=shape,
            )
        if shape[0] > MAX_IMAGES:
            raise Refusal(
                N_(
                    "{file}: its header declares {count} images; this app reads at most {limit} "
                    "per file"
                )
                if len(expected) == 3
                else N_(
                    "{file}: its header declares {count} labels; this app reads at most {limit} "
                    "per file"
                ),
                file=path.name,
                count=f"{shape[0]:,}",
                limit=f"{MAX_IMAGES:,}",
            )
        shapes[role] = shape[0]
    for split in ("train", "test"):
        if shapes[f"{split}_images"] != shapes[f"{split}_labels"]:
            raise Refusal(
                N_("{images} train images but {labels} labels")
                if split == "train"
                else N_("{images} test images but {labels} labels"),
                images=shapes[f"{split}_images"],
                labels=shapes[f"{split}_labels"],
            )
    return Source(kind, info.id, tuple(paths), shapes["train_images"], shapes["test_images"])


def folder_source(dataset: str | DatasetInfo, folder: str | Path, kind: str = "folder") -> Source:
    """The dataset in a user's folder (plain, gzipped, or torchvision layout), or a clear error.

    A folder that is missing, unreadable (permissions, a name too long, a loop, /proc oddities)
    or holds none of the four files gives the one message ``FOLDER_UNUSABLE``, so the answer
    does not tell which server paths exist; a folder holding some of the files says which one
    is missing or wrong, by file name.
    """
    info = dataset_info(dataset)
    problems = []
    try:
        root = Path(folder).expanduser()
        candidates = [d for d in _folder_candidates(root, info) if d.is_dir()]
        for directory in candidates:
            try:
                return _source_in(directory, kind, info, info.files)
            except _NoDatasetFiles:
                continue
            except ValueError as err:  # the checks' own messages (OSError passes through)
                problems.append(reason(err))
    except (OSError, RuntimeError, ValueError):
        # OSError: the file system refused; ValueError: a NUL byte in the name; RuntimeError:
        # ``~user`` with no such user. None of them may tell more than a missing folder does.
        raise Refusal(FOLDER_UNUSABLE) from None
    if not problems:
        raise Refusal(FOLDER_UNUSABLE)
    raise Refusal(
        N_("no complete {dataset} in that folder: {problems}"),
        dataset=info.display_name,
        problems=Joined(tuple(problems)),
    )


def bundled_source() -> Source:
    return _source_in(BUNDLED_MNIST_DIR, "bundled", MNIST, _BUNDLED_FILES)


def find_sources(dataset: str | DatasetInfo, folder: str | Path | None = None) -> list[Source]:
    """Every usable source, in order of preference: folder, cache, system, bundled.

    ``folder`` defaults to ``$ACTLAB_DATA_DIR``. Sources with missing or malformed files are
    left out (``folder_source`` says why for a user folder).
    """
    info = dataset_info(dataset)
    folder = folder or os.environ.get(DATA_DIR_ENV)
    candidates: list[tuple[str, Path]] = []
    if folder:
        candidates.append(("folder", Path(folder)))
    candidates.append(("cache", cache_dir(info)))
    candidates.extend(("system", Path(d)) for d in info.system_dirs)
    sources = []
    for kind, directory in candidates:
        try:
            sources.append(folder_source(info, directory, kind))
        except ValueError:
            continue
    if info.id == MNIST.id:
        sources.append(bundled_source())
    return sources


@dataclass(frozen=True)
class Dataset:
    """Images as uint8 ``[N, 28, 28]`` and labels as uint8 ``[N]`` (read-only arrays)."""

    info: DatasetInfo
    source: Source
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    verified: tuple[str, ...]  # file names whose published checksum matched
    unverified: tuple[str, ...]  # file names with no published checksum or none matching

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.info.class_names


def _digests(path: Path, max_bytes: int) -> tuple[bytearray, str | None, str]:
    """Decompressed bytes (at most ``max_bytes``), MD5 of the ``.gz`` (None if not gzipped),
    SHA-256 of the decompressed bytes. A file the system will not read is a ``ValueError``
    naming the file only."""
    try:
        data, gz_md5 = read_idx_bytes(path, max_bytes)
    except OSError as err:
        raise Refusal(
            N_("{file}: could not be read ({reason})"),
            file=path.name,
            reason=err.strerror or "error",
        ) from None
    return data, gz_md5, hashlib.sha256(data).hexdigest()


def _idx_bytes(role: str, count: int) -> int:
    """Size of a decompressed IDX file of ``count`` images (N×28×28) or labels (N)."""
    if role.endswith("images"):
        return 4 + 4 * 3 + count * IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
    return 4 + 4 + count


def _identify_other(info: DatasetInfo, gz_md5: str | None, sha: str) -> str | None:
    for other in DATASETS.values():
        if other.id != info.id and any(c.matches(gz_md5, sha) for c in other.checksums.values()):
            return other.display_name
    return None


def _load_array(path: Path, info: DatasetInfo, role: str, count: int) -> tuple[np.ndarray, bool]:
    """One file's array, read with the byte limit its header's ``count`` implies."""
    raw, gz_md5, sha = _digests(path, _idx_bytes(role, count))
    array = parse_idx(raw, source=path.name)
    if role.endswith("labels") and array.size and int(array.max()) >= NUM_CLASSES:
        raise Refusal(
            N_("{file}: label {label} is outside 0..{last}"),
            file=path.name,
            label=int(array.max()),
            last=NUM_CLASSES - 1,
        )
    name = path.name.removesuffix(".gz")
    checksum = info.checksums.get(name)
    verified = checksum is not None and checksum.matches(gz_md5, sha)
    if not verified:
        other = _identify_other(info, gz_md5, sha)
        if other is not None:
            raise Refusal(
                N_("{file} is {other}, not {dataset}"),
                file=path.name,
                other=other,
                dataset=info.display_name,
            )
    array.setflags(write=False)
    return array, verified


@lru_cache(maxsize=2)
def _load_cached(source: Source, stamp: tuple[float, ...]) -> Dataset:
    info = dataset_info(source.dataset)
    arrays, verified, unverified = {}, [], []
    counts = {"train": source.n_train, "test": source.n_test}
    for role, path in source.paths:
        arrays[role], ok = _load_array(path, info, role, counts[role.split("_")[0]])
        (verified if ok else unverified).append(path.name)
    return Dataset(info, source, **arrays, verified=tuple(verified), unverified=tuple(unverified))


def load_source(source: Source) -> Dataset:
    """Read and check a source's four files; cached per process (two datasets at most)."""
    try:
        stamp = tuple(path.stat().st_mtime for _, path in source.paths)
    except OSError:
        raise Refusal(FOLDER_UNUSABLE) from None
    return _load_cached(source, stamp)


def resolve_source(
    dataset: str | DatasetInfo = "mnist", source: str = "auto", folder: str | Path | None = None
) -> Source:
    """The source ``load`` would read, from the files' headers only (sizes, no pixels).

    ``source`` is ``"auto"`` or one of ``SOURCE_KINDS``; a clear ``ValueError`` says when the
    requested kind is not available (e.g. Fashion-MNIST with no copy on this machine).
    """
    info = dataset_info(dataset)
    if source != "auto" and source not in SOURCE_KINDS:
        raise ValueError(  # internal: the page offers only SOURCE_KINDS
            f"unknown source {source!r}; expected 'auto' or one of {SOURCE_KINDS}"
        )
    if source == "folder":
        folder = folder or os.environ.get(DATA_DIR_ENV)
        if not folder:
            raise Refusal(
                N_("no folder given (set {variable} or type a path)"), variable=DATA_DIR_ENV
            )
        return folder_source(info, folder)
    for candidate in find_sources(info, folder):
        if source in ("auto", candidate.kind):
            return candidate
    wanted = (
        Message(N_("any source"))
        if source == "auto"
        else Message(N_("a {source} copy"), {"source": source})
    )
    raise Refusal(
        N_(
            "{dataset}: {wanted} is not available here; download it, give a folder, or install "
            "Debian's dataset-fashion-mnist"
        ),
        dataset=info.display_name,
        wanted=wanted,
    )


def load(
    dataset: str | DatasetInfo = "mnist", source: str = "auto", folder: str | Path | None = None
) -> Dataset:
    """Load a dataset from the first available source, or from the kind named by ``source``
    (see ``resolve_source``)."""
    return load_source(resolve_source(dataset, source, folder))


# --- downloads -------------------------------------------------------------------------------


class DownloadError(Refusal):
    """Every mirror failed for a file; the message lists what each one did (a ``Refusal``: the
    page says it in the visitor's language, each mirror's own reason as it came)."""


@dataclass(frozen=True)
class DownloadProgress:
    """Where a download stands: file ``file_index`` of ``file_count``, ``done`` of ``total`` B."""

    file: str
    file_index: int
    file_count: int
    done: int
    total: int | None

    @property
    def fraction(self) -> float:
        within = self.done / self.total if self.total else 0.0
        return min(1.0, (self.file_index + within) / self.file_count)


def _verify_download(path: Path, name: str, checksum: Checksum | None) -> None:
    raw, gz_md5, sha = _digests(path, MAX_IDX_BYTES)
    if checksum is None or (checksum.md5_gz is None and checksum.sha256 is None):
        raise Refusal(
            N_("{file}: no published checksum to verify against; not caching it"), file=name
        )
    if not checksum.matches(gz_md5, sha):
        raise Refusal(
            N_("{file}: checksum mismatch (md5 of .gz {md5}, sha256 of data {sha}…)"),
            file=name,
            md5=gz_md5,
            sha=sha[:16],
        )
    parse_idx(raw, source=name)


def _fetch(
    url: str,
    target: Path,
    name: str,
    checksum: Checksum | None,
    timeout: float,
    report: Callable[[int, int | None], None],
) -> None:
    """Stream ``url`` to a temporary file next to ``target``; rename only once verified."""
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=target.parent
    )
    tmp = Path(tmp_name)
    try:
        with (
            os.fdopen(handle, "wb") as out,
            urllib.request.urlopen(url, timeout=timeout) as response,
        ):
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            report(done, total)
            while chunk := response.read(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if done > MAX_DOWNLOAD_BYTES:
                    raise Refusal(
                        N_("{file}: over {limit} bytes; not a dataset file"),
                        file=name,
                        limit=f"{MAX_DOWNLOAD_BYTES:,}",
                    )
                report(done, total)
            if total is not None and done != total:
                raise Refusal(
                    N_("{file}: connection closed after {done} of {total} bytes"),
                    file=name,
                    done=f"{done:,}",
                    total=f"{total:,}",
                )
        _verify_download(tmp, name, checksum)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _reason(err: BaseException) -> Message | str:
    """Why one mirror failed: this module's own words translatable, the server's as they came
    (an HTTP status line, the system's error text)."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return Message(N_("unreachable ({reason})"), {"reason": str(err.reason)})
    if isinstance(err, TimeoutError):
        return Message(N_("timed out"))
    if isinstance(err, http.client.IncompleteRead):
        return Message(
            N_("connection closed after {size} bytes of a chunk"),
            {"size": f"{len(err.partial):,}"},
        )
    if isinstance(err, OSError):  # its str() may hold a path of this server
        return err.strerror or type(err).__name__
    return reason(err) or type(err).__name__


def download(
    dataset: str | DatasetInfo,
    destination: str | Path | None = None,
    *,
    mirrors: tuple[str, ...] | None = None,
    checksums: Mapping[str, Checksum] | None = None,
    timeout: float = 30.0,
    on_progress: Callable[[DownloadProgress], None] | None = None,
) -> Source:
    """Download the four ``.gz`` files into ``destination`` (default: the user cache).

    Each file is tried on every mirror in turn, verified against ``checksums`` (the published
    ones by default) and renamed into place only when it matches, so nothing partial or corrupt
    is ever cached. Files already present and verified are kept. ``timeout`` is seconds of
    silence allowed per connection. Raises ``DownloadError`` naming each mirror's failure.
    """
    info = dataset_info(dataset)
    mirrors = tuple(mirrors if mirrors is not None else info.mirrors)
    checksums = checksums if checksums is not None else info.checksums
    if not mirrors:
        raise ValueError("no mirrors to download from")  # internal: every dataset has mirrors
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")  # internal: page gives 20
    target_dir = Path(destination) if destination is not None else cache_dir(info)
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(
            N_("cannot write the download folder ({reason})"), reason=err.strerror
        ) from None
    names = [info.files[role] for role in ROLES]
    for index, name in enumerate(names):
        target = target_dir / f"{name}.gz"

        def report(done: int, total: int | None, name: str = name, index: int = index) -> None:
            if on_progress is not None:
                on_progress(DownloadProgress(name, index, len(names), done, total))

        if target.is_file():
            try:
                _verify_download(target, name, checksums.get(name))
                report(1, 1)
                continue
            except ValueError:
                target.unlink()
        failures = []
        for mirror in mirrors:
            url = f"{mirror.rstrip('/')}/{name}.gz"
            try:
                _fetch(url, target, name, checksums.get(name), timeout, report)
                break
            except (OSError, ValueError, http.client.HTTPException) as err:
                failures.append(Joined((url, _reason(err)), separator=": "))
        else:
            raise DownloadError(
                N_("could not download {name}.gz — {failures}"),
                name=name,
                failures=Joined(tuple(failures)),
            )
    return folder_source(info, target_dir, kind="cache" if destination is None else "folder")
