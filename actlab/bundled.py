"""The MNIST files shipped inside the package: the offline default for every page.

5,000 training digits (500 per class) and the official 10,000 test digits; see
``actlab/data/mnist/PROVENANCE.md`` for where they come from and their checksums. Reading and
verifying them is ``actlab.datasets``' job; this module is the short path the lessons use and
reads only through it (``BUNDLED_MNIST_DIR`` is defined there and re-exported here).
"""

from __future__ import annotations

import numpy as np

from actlab import datasets
from actlab.datasets import BUNDLED_MNIST_DIR

__all__ = ["BUNDLED_MNIST_DIR", "SPLITS", "bundled_mnist", "normalized_digit"]

SPLITS = ("train", "test")


def bundled_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images uint8 [N, 28, 28], labels uint8 [N])`` of the bundled split.

    Arrays are read-only and cached by ``actlab.datasets``: every page shares one copy.
    """
    if split not in SPLITS:
        # internal: callers name a split in code
        raise ValueError(f"unknown MNIST split {split!r}; expected one of {list(SPLITS)}")
    data = datasets.load("mnist", source="bundled")
    if split == "train":
        return data.train_images, data.train_labels
    return data.test_images, data.test_labels


def normalized_digit(index: int = 0, split: str = "test") -> np.ndarray:
    """One digit as float64 with zero mean and unit variance (the input a network would see)."""
    images, _ = bundled_mnist(split)
    if not 0 <= index < images.shape[0]:
        # internal: callers pick the digit in code
        raise ValueError(f"digit index {index} out of range 0..{images.shape[0] - 1}")
    image = images[index].astype(np.float64)
    return (image - image.mean()) / image.std()
