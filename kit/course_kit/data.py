"""Offline data in course notation: the 8x8 digits bundled with scikit-learn, and 2-D blobs.

Nothing is downloaded: ``sklearn.datasets.load_digits`` reads a file shipped inside the
scikit-learn wheel. Every split and every synthetic draw is fixed by a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from course_kit._validate import generator, positive_int


@dataclass(frozen=True)
class Split:
    """One part of a data set: ``X`` (n_x, m) with examples as columns, ``labels`` (m,) ints."""

    X: np.ndarray
    labels: np.ndarray

    @property
    def m(self) -> int:
        return self.X.shape[1]


@dataclass(frozen=True)
class Digits:
    """The digits data split three ways; ``n_classes`` is 10 and ``n_x`` is 64."""

    train: Split
    validation: Split
    test: Split
    n_classes: int = 10

    @property
    def n_x(self) -> int:
        return self.train.X.shape[0]


@lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = (bunch.data / 16.0).T  # pixel intensities 0..16 -> [0, 1]; columns are examples
    X.setflags(write=False)
    labels = bunch.target.astype(int)
    labels.setflags(write=False)
    return X, labels


def load_digits_split(
    validation_fraction: float = 1 / 6, test_fraction: float = 1 / 6, seed: int = 0
) -> Digits:
    """The 1,797 digits images, shuffled once by ``seed`` and cut into train/validation/test.

    Returns
    -------
    Digits
        ``X`` of every split is (64, m) in [0, 1], ``labels`` is (m,) in 0..9.
        The default cut is 1,197 / 300 / 300 examples.
    """
    if not (
        0 < validation_fraction < 1
        and 0 < test_fraction < 1
        and validation_fraction + test_fraction < 1
    ):
        raise ValueError(
            "validation_fraction and test_fraction must be in (0, 1) and sum to less than 1; "
            f"got {validation_fraction!r} and {test_fraction!r}"
        )
    X, labels = _digits_arrays()
    m = X.shape[1]
    order = np.random.default_rng(seed).permutation(m)
    n_val, n_test = int(round(m * validation_fraction)), int(round(m * test_fraction))
    parts = np.split(order, [m - n_val - n_test, m - n_test])
    train, validation, test = (Split(X[:, idx], labels[idx]) for idx in parts)
    return Digits(train, validation, test)


def make_blobs(
    n_per_class: int,
    n_classes: int = 3,
    spread: float = 1.0,
    rng: np.random.Generator | None = None,
) -> Split:
    """Gaussian blobs in 2-D, one per class, centres evenly spaced on a circle of radius 3.

    Returns
    -------
    Split with ``X`` (2, n_per_class * n_classes) and ``labels`` in 0..n_classes-1,
    examples ordered by class.
    """
    n_per_class = positive_int("n_per_class", n_per_class)
    n_classes = positive_int("n_classes", n_classes, minimum=2)
    if not spread > 0:
        raise ValueError(f"spread must be > 0; got {spread!r}")
    rng = generator(np.random.default_rng(0) if rng is None else rng)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)])  # (2, n_classes)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    X = centres[:, labels] + spread * rng.standard_normal((2, labels.size))
    return Split(X, labels)
