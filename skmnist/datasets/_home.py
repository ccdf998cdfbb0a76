"""The data directory and what every loader shares: Bunch assembly and
transparent gzip reading."""

import gzip
import os
import zlib

import numpy as np
from sklearn.utils import Bunch

#: Environment variable naming the data directory (see :func:`get_data_home`).
DATA_HOME_ENV = "SKMNIST_DATA"

DIGIT_NAMES = tuple(str(d) for d in range(10))

_GZIP_MAGIC = b"\x1f\x8b"


def get_data_home(data_home=None):
    """Return the directory where skmnist looks for (and downloads) datasets.

    The directory is chosen in this order:

    1. the ``data_home`` argument, when given;
    2. the ``SKMNIST_DATA`` environment variable, when set and non-empty;
    3. ``~/skmnist_data``.

    A leading ``~`` is expanded.  The directory is not created here; the
    fetchers create it when they first download into it.

    Layout inside the directory::

        <data_home>/mnist/train-images-idx3-ubyte.gz   (and the other three)
        <data_home>/fashion-mnist/train-images-idx3-ubyte.gz   (idem)
        <data_home>/mnist.pkl.gz                       (Theano tutorial pickle)

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit data directory.

    Returns
    -------
    data_home : str
        The data directory path.

    Examples
    --------
    >>> from skmnist.datasets import get_data_home
    >>> get_data_home("/tmp/my_data")
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or os.path.join("~", "skmnist_data")
    return os.path.expanduser(os.fspath(data_home))


def read_maybe_gzip(path):
    """Return the content of ``path``, decompressed when it is gzip'd.

    Compression is recognised by the gzip magic bytes rather than by the file
    name, since users rename files (or decompress them and keep the name).
    A truncated or corrupt gzip stream becomes a ``ValueError`` naming the
    file instead of a low-level ``EOFError``/``zlib.error``.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"{path}: the gzip stream is truncated or corrupt ({exc}). "
            "The file was probably cut short while copying or downloading; "
            "obtain it again."
        ) from None


def make_bunch(data, target, image_shape, target_names, descr, return_X_y, **extra):
    """Assemble the loaders' common return value.

    ``data`` must already be C-contiguous with rows holding the upright image
    flattened row-major, so that ``images`` can be a reshaped view of it.
    """
    target = np.asarray(target, dtype=np.int64)
    if return_X_y:
        return data, target
    images = data.reshape((data.shape[0],) + tuple(image_shape))
    return Bunch(
        data=data,
        target=target,
        images=images,
        target_names=np.array(target_names),
        DESCR=descr,
        **extra,
    )


def scale_pixels(pixels, normalize):
    """Return uint8 pixels as ``(n, h*w)`` C-contiguous data.

    With ``normalize`` the values are float32 pixel / 255 in [0, 1]; without,
    a writable uint8 copy (the input may be a read-only view of file bytes).
    """
    flat = pixels.reshape(pixels.shape[0], -1)
    if not normalize:
        return np.array(flat, dtype=np.uint8)  # a writable copy
    data = flat.astype(np.float32)
    data /= 255.0
    return data
