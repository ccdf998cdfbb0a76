"""Reader for the Theano tutorial's ``mnist.pkl.gz``, through the restricted
unpickler of ``_unpickler`` (which refuses anything but NumPy arrays and plain
containers, and runs no code the file names)."""

import math
import os

import numpy as np

from ._home import DIGIT_NAMES, get_data_home, make_bunch
from ._unpickler import restricted_loads
from ._untrusted import GZIP_MAGIC, gunzip, read_regular_file

PICKLE_FILENAME = "mnist.pkl.gz"

_SUBSETS = ("train", "valid", "test")

#: A dataset pickle may be at most this large once decompressed (the
#: tutorial's ``mnist.pkl.gz`` is about 220 MB).
MAX_PICKLE_BYTES = 1 << 31

_PKL_DESCR = """\
MNIST as distributed by the Theano deep-learning tutorial (``mnist.pkl.gz``).

The pickle holds three (images, labels) pairs: 50,000 training images (the
first 50,000 of MNIST's training file), 10,000 validation images (the last
10,000 of it) and MNIST's 10,000 test images.  Images are 28x28, upright,
flattened row-major, as float32 in [0, 1] exactly as stored in the file (not
rescaled here); targets are the digits 0..9.
"""


def _read_pickle_file(path):
    raw = read_regular_file(path)
    if raw.startswith(GZIP_MAGIC):
        return gunzip(raw, path, MAX_PICKLE_BYTES)
    return raw


def _check_pair(pair, subset, path):
    """Validate one (images, labels) entry and return (data, target, side)."""
    expected = (
        f"expected the Theano tutorial layout: a tuple (train, valid, test) of "
        f"(images, labels) pairs; the {subset!r} entry"
    )
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{path}: {expected} is not an (images, labels) pair.")
    try:
        X, y = (np.asarray(part) for part in pair)
    except (ValueError, TypeError, RecursionError) as exc:  # ragged, odd objects
        raise ValueError(f"{path}: {expected} holds no arrays ({exc}).") from None
    if X.ndim != 2 or X.dtype.kind not in "biuf" or X.shape[1] == 0:
        raise ValueError(
            f"{path}: {expected} has images of shape {X.shape} and type "
            f"{X.dtype}; expected a numeric (n_samples, n_pixels) array."
        )
    side = math.isqrt(X.shape[1])
    if side * side != X.shape[1]:
        raise ValueError(
            f"{path}: {expected} has {X.shape[1]} pixels per image, which is "
            "not a square number."
        )
    if y.ndim != 1 or y.shape[0] != X.shape[0] or y.dtype.kind not in "iu":
        raise ValueError(
            f"{path}: {expected} has labels of shape {y.shape} and type {y.dtype} "
            f"for {X.shape[0]} images; expected {X.shape[0]} integer labels."
        )
    if y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError(f"{path}: {expected} has labels outside 0..9.")
    with np.errstate(over="ignore", invalid="ignore"):
        data = np.ascontiguousarray(X, dtype=np.float32)
    if not np.isfinite(data).all():
        raise ValueError(
            f"{path}: {expected} has pixel values that are NaN, infinite or "
            "beyond float32's range; expected values in [0, 1]."
        )
    return data, y, side


def load_mnist_pkl(path=None, *, data_home=None, subset="train", return_X_y=False):
    """Load one subset of the Theano tutorial's ``mnist.pkl.gz``.

    The file is read with a restricted unpickler: only NumPy arrays and plain
    containers are admitted, and a pickle that references anything else
    (which could run code) is refused with an error before it runs.

    Parameters
    ----------
    path : str or path-like, default=None
        The pickle, gzip'd or not.  By default ``mnist.pkl.gz`` in the data
        directory.
    data_home : str or path-like, default=None
        The data directory searched when ``path`` is None (see
        :func:`get_data_home`).
    subset : {"train", "valid", "test"}, default="train"
        ``"train"``: 50,000 images (the first 50,000 of MNIST's training set);
        ``"valid"``: the remaining 10,000; ``"test"``: MNIST's 10,000 test
        images.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 784), dtype float32
            Upright images flattened row-major, values in [0, 1] as stored.
        target : ndarray of shape (n_samples,), dtype int64
            Digits 0..9.
        images : ndarray of shape (n_samples, 28, 28)
            Upright images (a view of ``data``).
        target_names : ndarray of str
            ``"0"`` .. ``"9"``.
        DESCR : str
            Description of the data.
        filename : str
            The path read.
        subset : str
            The subset returned.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the path is not a regular file (a directory, a FIFO...), or the
        file is not a pickle in the tutorial's layout, or expands beyond
        ``MAX_PICKLE_BYTES`` (2 GiB) when decompressed.
    UnsafePickleError
        (a ``ValueError`` and ``pickle.UnpicklingError``) if the pickle
        references anything outside the allow-list, or would allocate more
        than ``ALLOCATION_FACTOR`` (8) times its own size plus 1 MiB.

    Examples
    --------
    >>> from skmnist.datasets import load_mnist_pkl  # doctest: +SKIP
    >>> X_valid, y_valid = load_mnist_pkl("mnist.pkl.gz", subset="valid",
    ...                                   return_X_y=True)  # doctest: +SKIP
    >>> X_valid.shape  # doctest: +SKIP
    (10000, 784)
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}, got {subset!r}.")
    if path is None:
        path = os.path.join(get_data_home(data_home), PICKLE_FILENAME)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No such file: {path!r}. Pass the path of the Theano tutorial's "
            f"{PICKLE_FILENAME}, or put it in the data directory (data_home or "
            "the SKMNIST_DATA environment variable)."
        )
    contents = restricted_loads(_read_pickle_file(path), path)
    if not isinstance(contents, tuple) or len(contents) != 3:
        raise ValueError(
            f"{path}: expected the Theano tutorial layout, a tuple (train, valid, "
            f"test) of (images, labels) pairs; found {type(contents).__name__}"
            + (f" of length {len(contents)}." if isinstance(contents, tuple) else ".")
        )
    data, target, side = _check_pair(contents[_SUBSETS.index(subset)], subset, path)
    return make_bunch(
        data,
        target,
        (side, side),
        DIGIT_NAMES,
        _PKL_DESCR,
        return_X_y,
        filename=path,
        subset=subset,
    )
