"""The MNIST files shipped inside the package: the offline default for every page.

5,000 training digits (500 per class) and the official 10,000 test digits; see
``actlab/data/mnist/PROVENANCE.md`` for where they come from and their checksums.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from actlab.idx import read_idx

BUNDLED_MNIST_DIR = Path(__file__).parent / "data" / "mnist"
_FILES = {
    "train": ("train-5k-images-idx3-ubyte.gz", "train-5k-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


@lru_cache(maxsize=2)
def bundled_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images uint8 [N, 28, 28], labels uint8 [N])`` of the bundled split.

    Arrays are read-only and cached: every page shares one copy per process.
    """
    if split not in _FILES:
        raise ValueError(f"unknown MNIST split {split!r}; expected one of {sorted(_FILES)}")
    image_file, label_file = _FILES[split]
    images = read_idx(BUNDLED_MNIST_DIR / image_file)
    labels = read_idx(BUNDLED_MNIST_DIR / label_file)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"bundled {split}: {images.shape[0]} images but {labels.shape[0]} labels")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def normalized_digit(index: int = 0, split: str = "test") -> np.ndarray:
    """One digit as float64 with zero mean and unit variance (the input a network would see)."""
    images, _ = bundled_mnist(split)
    if not 0 <= index < images.shape[0]:
        raise ValueError(f"digit index {index} out of range 0..{images.shape[0] - 1}")
    image = images[index].astype(np.float64)
    return (image - image.mean()) / image.std()
