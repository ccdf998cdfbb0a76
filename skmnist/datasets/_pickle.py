"""Reader for the Theano tutorial's ``mnist.pkl.gz``, through an unpickler
that refuses anything but NumPy arrays and plain containers.

Unpickling runs whatever callables the pickle names, so a dataset file read
with plain ``pickle.load`` can execute arbitrary code.  The unpickler here
resolves only an allow-list of globals (NumPy's array reconstruction helpers
and builtin container/scalar types); any other global makes it stop before
the object is built.
"""

import builtins
import importlib
import io
import math
import os
import pickle

import numpy as np

from ._base import DIGIT_NAMES, get_data_home, make_bunch, read_maybe_gzip

PICKLE_FILENAME = "mnist.pkl.gz"

_SUBSETS = ("train", "valid", "test")

_PKL_DESCR = """\
MNIST as distributed by the Theano deep-learning tutorial (``mnist.pkl.gz``).

The pickle holds three (images, labels) pairs: 50,000 training images (the
first 50,000 of MNIST's training file), 10,000 validation images (the last
10,000 of it) and MNIST's 10,000 test images.  Images are 28x28, upright,
flattened row-major, as float32 in [0, 1] exactly as stored in the file (not
rescaled here); targets are the digits 0..9.
"""


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle referenced a global outside the dataset allow-list."""


def _latin1_encode(text, encoding="latin1"):
    # Python 3 pickles of bytes at protocol <= 2 (which NumPy arrays use for
    # their raw buffer) call ``_codecs.encode(text, "latin1")``.  Only that
    # use is admitted, not arbitrary codecs.
    if encoding.replace("-", "").replace("_", "").lower() not in ("latin1", "iso88591"):
        raise UnsafePickleError(f"codec {encoding!r} is not allowed in a dataset")
    return text.encode("latin1")


def _numpy_core(submodule, name):
    # NumPy 2 moved ``numpy.core`` to ``numpy._core``; pickles name either.
    for package in ("numpy._core", "numpy.core"):
        try:
            module = importlib.import_module(f"{package}.{submodule}")
        except ImportError:
            continue
        return getattr(module, name)
    raise ImportError(f"numpy has no {submodule}.{name}")  # pragma: no cover


_BUILTINS = (
    "tuple", "list", "dict", "set", "frozenset",
    "int", "float", "complex", "bool", "str", "bytes", "bytearray",
)  # fmt: skip


# NumPy's own array/scalar reconstruction helpers, named by their submodule of
# numpy.core (NumPy 1) or numpy._core (NumPy 2).
_NUMPY_INTERNALS = (
    ("multiarray", "_reconstruct"),
    ("multiarray", "scalar"),
    ("numeric", "_frombuffer"),
)


def _allowed_globals():
    allowed = {("builtins", name): getattr(builtins, name) for name in _BUILTINS}
    allowed[("numpy", "ndarray")] = np.ndarray
    allowed[("numpy", "dtype")] = np.dtype
    allowed[("_codecs", "encode")] = _latin1_encode
    for package in ("numpy.core", "numpy._core"):
        for submodule, name in _NUMPY_INTERNALS:
            allowed[(f"{package}.{submodule}", name)] = (submodule, name)
    return allowed


_ALLOWED_GLOBALS = _allowed_globals()


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler admitting only NumPy arrays, dtypes, scalars and builtins.

    Examples
    --------
    >>> import io, pickle
    >>> import numpy as np
    >>> from skmnist.datasets._pickle import RestrictedUnpickler
    >>> payload = pickle.dumps((np.arange(3), [1.5, "a"]))
    >>> RestrictedUnpickler(io.BytesIO(payload)).load()
    (array([0, 1, 2]), [1.5, 'a'])
    """

    def find_class(self, module, name):
        target = _ALLOWED_GLOBALS.get((module, name))
        if target is None:
            raise UnsafePickleError(
                f"the pickle references {module}.{name}, which is not allowed: "
                "a dataset pickle may hold only NumPy arrays and plain "
                "containers. It was refused without running it."
            )
        if isinstance(target, tuple):  # NumPy internals, resolved when needed
            return _numpy_core(*target)
        return target


def _restricted_loads(raw, path):
    try:
        # latin1 lets Python 2 pickles (the tutorial's file) restore the raw
        # byte buffers of NumPy arrays.
        return RestrictedUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"{path}: {exc}") from None
    except Exception as exc:  # corrupt pickles fail in many different ways
        raise ValueError(
            f"{path}: not a readable pickle ({type(exc).__name__}: {exc})."
        ) from None


def _check_pair(pair, subset, path):
    """Validate one (images, labels) entry and return (data, target, side)."""
    expected = (
        f"expected the Theano tutorial layout: a tuple (train, valid, test) of "
        f"(images, labels) pairs; the {subset!r} entry"
    )
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{path}: {expected} is not an (images, labels) pair.")
    X, y = (np.asarray(part) for part in pair)
    if X.ndim != 2 or X.dtype.kind not in "biuf":
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
    return np.ascontiguousarray(X, dtype=np.float32), y, side


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
        If the file is not a pickle in the tutorial's layout.
    UnsafePickleError
        (a ``ValueError`` and ``pickle.UnpicklingError``) if the pickle
        references anything outside the allow-list.

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
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"No such file: {path!r}. Pass the path of the Theano tutorial's "
            f"{PICKLE_FILENAME}, or put it in the data directory (data_home or "
            "the SKMNIST_DATA environment variable)."
        )
    contents = _restricted_loads(read_maybe_gzip(path), path)
    if not isinstance(contents, (tuple, list)) or len(contents) != 3:
        raise ValueError(
            f"{path}: expected the Theano tutorial layout, a tuple (train, valid, "
            f"test) of (images, labels) pairs; found {type(contents).__name__}"
            + (f" of length {len(contents)}." if hasattr(contents, "__len__") else ".")
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
