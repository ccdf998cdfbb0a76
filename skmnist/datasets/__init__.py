"""Loaders for handwritten-digit datasets in the formats tutorials hand out.

Each loader returns a :class:`sklearn.utils.Bunch` with ``data`` (one upright
image per row, flattened row-major), ``target`` (int64 labels 0..9),
``images`` (``data`` reshaped to (n, height, width)), ``target_names`` and
``DESCR``; ``return_X_y=True`` returns ``(data, target)`` instead.

- :func:`load_mnist_sample`: 5,000 real MNIST digits (500 per class,
  shuffled) shipped inside skmnist: no download, no optional package.
- :func:`fetch_mnist` / :func:`fetch_fashion_mnist`: the full datasets from
  the data directory (:func:`get_data_home`), downloaded when missing.
- :func:`load_idx`: any pair of IDX files (``train-images-idx3-ubyte.gz``...).
- :func:`load_mat`: the Coursera course's ``ex3data1.mat`` / ``ex4data1.mat``.
- :func:`load_mnist_pkl`: the Theano tutorial's ``mnist.pkl.gz``, read with
  an unpickler that refuses to run code.

The named datasets (what ``skmnist compare --dataset`` accepts, and where
their files go) are listed once, in ``_registry.DATASETS``. Names load on
first use, so that the command can read that list before NumPy is imported.
"""

import importlib

from ._registry import DATASETS

_WHERE = {
    "get_data_home": "_home",
    "load_mat": "_mat",
    "load_idx": "_idx",
    "load_mnist_pkl": "_pickle",
    "fetch_mnist": "_fetch",
    "fetch_fashion_mnist": "_fetch",
    "load_mnist_sample": "_sample",
}
# A registered dataset's fetcher is public without being listed here: a new
# downloadable dataset is its registry entry, its files in ``_sources`` and
# its fetcher in ``_fetch``.
for _entry in DATASETS.values():
    if isinstance(_entry.loader, str):
        _WHERE.setdefault(_entry.loader, "_fetch")
del _entry

__all__ = list(_WHERE)


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
