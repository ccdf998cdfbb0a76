"""The named datasets: one entry each, from which everything else follows.

An entry says what a dataset is called on the command line, what it holds,
which public function loads it, and where its files go. The loaders' data
directory layout, ``skmnist compare --dataset`` (its choices, its ``--help``
and its error messages) and the command's split handling all read this table,
so a new dataset is one entry here plus its fetcher.

This module imports nothing heavy: the command builds its ``--help`` from it
before NumPy is loaded.
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetEntry:
    """One named dataset.

    Parameters
    ----------
    name : str
        The name ``skmnist compare --dataset`` takes.
    title : str
        How the dataset is called in prose ("Fashion-MNIST").
    description : str
        One line for ``--help``.
    loader : str or callable
        The public function of :mod:`skmnist.datasets` (its name) that
        returns the whole dataset (``subset="all"`` for those with an official split, training
        images first).
    subdir : str or None
        Where its files go: the folder of the data directory
        (:func:`~skmnist.datasets.get_data_home`) holding them; None when the
        data ships inside skmnist.
    n_train : int or None
        Images in the official training split (the rest are the official
        test split); None when there is no official split.
    n_features : int
        Pixels per image.
    n_images : int
        Images in all.
    """

    name: str
    title: str
    description: str
    loader: str
    subdir: str = None
    n_train: int = None
    n_features: int = 784
    n_images: int = 70_000

    @property
    def has_test_split(self):
        return self.n_train is not None

    def load(self, data_home=None):
        """Return the whole dataset as a Bunch (downloading it if needed)."""
        function = self.loader
        if isinstance(function, str):
            function = getattr(importlib.import_module("skmnist.datasets"), function)
        if self.subdir is None:
            return function()
        return function(data_home=data_home, subset="all")


DATASETS = {
    entry.name: entry
    for entry in (
        DatasetEntry(
            "sample",
            "MNIST sample",
            "MNIST sample shipped with skmnist, 5,000 digits (500 per digit)",
            "load_mnist_sample",
            n_images=5_000,
        ),
        DatasetEntry(
            "mnist",
            "MNIST",
            "MNIST handwritten digits, 60,000 training and 10,000 test images",
            "fetch_mnist",
            subdir="mnist",
            n_train=60_000,
        ),
        DatasetEntry(
            "fashion",
            "Fashion-MNIST",
            "Zalando's Fashion-MNIST clothing images, 60,000 training and "
            "10,000 test images",
            "fetch_fashion_mnist",
            subdir="fashion-mnist",
            n_train=60_000,
        ),
    )
}


def names_with_test_split():
    """The datasets with an official test split, as "a, b and c"."""
    names = [name for name, entry in DATASETS.items() if entry.has_test_split]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
