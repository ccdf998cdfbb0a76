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
"""

from ._base import get_data_home
from ._fetch import fetch_fashion_mnist, fetch_mnist
from ._idx import load_idx
from ._mat import load_mat
from ._pickle import load_mnist_pkl
from ._sample import load_mnist_sample

__all__ = [
    "get_data_home",
    "load_mat",
    "load_idx",
    "load_mnist_pkl",
    "fetch_mnist",
    "fetch_fashion_mnist",
    "load_mnist_sample",
]
