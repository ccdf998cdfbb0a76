"""The 5,000 MNIST digits shipped inside skmnist as package data."""

import hashlib
import importlib.resources
import io
import zipfile

import numpy as np

from ._home import DIGIT_NAMES, make_bunch, scale_pixels

#: SHA-256 of ``data/mnist_sample.npz``, written by
#: ``scripts/make_mnist_sample.py``; checked on every load.
SAMPLE_SHA256 = "668d7248e5768b119309f49d69595c62e342006a406bca8314860715b3ebd441"

_SAMPLE_FILE = "mnist_sample.npz"
_N_PER_CLASS = 500
_N_SAMPLES = 10 * _N_PER_CLASS

_SAMPLE_DESCR = """\
A sample of 5,000 handwritten digits from the MNIST training set, shipped
with skmnist (``skmnist/datasets/data/mnist_sample.npz``).

500 images of each digit, drawn from MNIST's official training split with a
fixed seed and stored in a fixed shuffled order, so that the classes are
mixed throughout (``X[:500]`` holds about 50 of each digit).  The pixels are
MNIST's own.  Images are 28x28, upright, and ``data[i]`` is ``images[i]``
flattened row-major; pixel values are float32 in [0, 1] (pixel / 255) with
``normalize=True``, else uint8 0..255.  Targets are the digits 0..9;
``source_index[i]`` is the image's position in ``train-images-idx3-ubyte``
(so the sample overlaps MNIST's training set, never its test set).

The MNIST database of handwritten digits is by Yann LeCun, Corinna Cortes
and Christopher J.C. Burges (http://yann.lecun.com/exdb/mnist/) and is
commonly distributed under the Creative Commons Attribution-Share Alike 3.0
licence (CC BY-SA 3.0); this subset is distributed under the same terms (see
``MNIST_SAMPLE_LICENSE.txt`` beside the data file).  It was made by
``scripts/make_mnist_sample.py`` from the canonical files, checked by
SHA-256.  Use ``fetch_mnist`` for the full 60,000/10,000 split.
"""

_REINSTALL = "reinstall skmnist (pip install --force-reinstall skmnist)"


def _sample_resource():
    return importlib.resources.files(__package__) / "data" / _SAMPLE_FILE


def _read_verified():
    """Return the shipped archive's bytes after checking their SHA-256."""
    resource = _sample_resource()
    try:
        raw = resource.read_bytes()
    except OSError as exc:
        raise FileNotFoundError(
            f"the MNIST sample that ships with skmnist is missing from this "
            f"installation ({resource}: {exc.strerror or exc}); {_REINSTALL}."
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SAMPLE_SHA256:
        raise ValueError(
            f"{resource}: the shipped MNIST sample is corrupt (SHA-256 {digest}, "
            f"expected {SAMPLE_SHA256}); {_REINSTALL}."
        )
    return raw, resource


def _parse(raw, source):
    """The images, labels and source indices, checked for shape and range."""
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            images = archive["images"]
            labels = archive["labels"]
            index = archive["source_index"]
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{source}: cannot read the MNIST sample ({exc}).") from None
    expected = (
        images.shape == (_N_SAMPLES, 28, 28)
        and images.dtype == np.uint8
        and labels.shape == index.shape == (_N_SAMPLES,)
        and np.array_equal(np.bincount(labels, minlength=10), [_N_PER_CLASS] * 10)
    )
    if not expected:
        raise ValueError(
            f"{source}: not the 5,000-digit MNIST sample skmnist expects; {_REINSTALL}."
        )
    return images, labels, index


def load_mnist_sample(*, normalize=True, return_X_y=False):
    """Load the 5,000 real MNIST digits shipped with skmnist.

    No download and no optional package: the sample is part of the
    installation. It holds 500 images of each digit from MNIST's official
    training split, drawn with a fixed seed and stored in a fixed shuffled
    order (the classes are mixed throughout, so a prefix of the rows is
    roughly balanced too). The file's SHA-256 is checked on every load.

    MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges
    (http://yann.lecun.com/exdb/mnist/) and is commonly distributed under
    the Creative Commons Attribution-Share Alike 3.0 licence (CC BY-SA 3.0);
    this subset is distributed under the same terms
    (``skmnist/datasets/data/MNIST_SAMPLE_LICENSE.txt``).

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
        source_index : ndarray of shape (5000,), dtype int32
            Each image's position in MNIST's training file.
        DESCR : str
            Description of the data, with its attribution and licence.
        filename : str
            The file read.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the data file is missing from the installation.
    ValueError
        If it does not match its checksum.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.datasets import load_mnist_sample
    >>> X, y = load_mnist_sample(return_X_y=True)
    >>> X.shape, X.dtype
    ((5000, 784), dtype('float32'))
    >>> np.bincount(y).tolist()
    [500, 500, 500, 500, 500, 500, 500, 500, 500, 500]
    >>> len(np.unique(y[:50]))  # shuffled: the first rows mix the digits
    10
    """
    raw, resource = _read_verified()
    images, labels, index = _parse(raw, resource)
    return make_bunch(
        scale_pixels(images, normalize),
        labels,
        (28, 28),
        DIGIT_NAMES,
        _SAMPLE_DESCR,
        return_X_y,
        filename=str(resource),
        source_index=index,
    )
