"""Reader for MATLAB files in the layout of the Coursera machine-learning
course's ``ex3data1.mat`` / ``ex4data1.mat``."""

import math
import os

import numpy as np

from ._base import DIGIT_NAMES, make_bunch

_MAT_DESCR = """\
Handwritten digits from a MATLAB file in the Coursera machine-learning course
layout (``ex3data1.mat`` / ``ex4data1.mat``).

In the file, ``X`` holds one image per row unrolled column-major (MATLAB
order) and ``y`` the labels 1..10, where 10 stands for the digit 0.  Here the
rows of ``data`` are the upright images flattened row-major (``images`` is
``data`` reshaped to (n, side, side)), and ``target`` holds the digits 0..9.
Pixel values are kept as stored (float64; the course data is not in [0, 1]).
"""


def _matfile_version(path):
    """Return scipy's ``(major, minor)`` MAT version, or raise a clear error."""
    from scipy.io.matlab import matfile_version

    try:
        return matfile_version(path)
    except Exception as exc:  # scipy raises several unrelated exception types
        raise ValueError(
            f"{path}: not a readable MATLAB .mat file ({exc}). Expected a MATLAB "
            "v4/v5/v7 file (e.g. written by save() in MATLAB/Octave or "
            "scipy.io.savemat)."
        ) from exc


def _present_variables_message(present):
    names = ", ".join(repr(name) for name in present) or "none"
    return f"The file has these variables: {names}."


def _read_v5(path, keys):
    """Read ``keys`` from a MATLAB v4/v5/v7 file (compressed or not) with scipy."""
    from scipy.io import loadmat, whosmat

    try:
        present = [name for name, _, _ in whosmat(path)]
    except Exception as exc:  # truncated or corrupt files fail in many ways
        raise _unreadable(path, exc) from exc
    _check_keys_present(path, keys, present)
    try:
        contents = loadmat(path, variable_names=list(keys))
    except Exception as exc:
        raise _unreadable(path, exc) from exc
    return [contents[key] for key in keys]


def _unreadable(path, exc):
    return ValueError(
        f"{path}: could not read the .mat file; it may be truncated or corrupt "
        f"({type(exc).__name__}: {exc})."
    )


def _read_v73(path, keys):
    """Read ``keys`` from a MATLAB v7.3 (HDF5) file with h5py, if installed."""
    try:
        import h5py
    except ImportError:
        raise ValueError(
            f"{path}: this is a MATLAB v7.3 file (HDF5 based), which scipy cannot "
            "read. Either install h5py (pip install h5py) so that skmnist can "
            "read it, or re-save it in the older format, e.g. in MATLAB/Octave: "
            "load('file.mat'); save('-v7', 'file_v7.mat', 'X', 'y')."
        ) from None

    with h5py.File(path, "r") as f:
        # '#refs#' and similar entries are HDF5 bookkeeping, not user variables.
        present = [name for name in f.keys() if not name.startswith("#")]
        _check_keys_present(path, keys, present)
        # HDF5 stores MATLAB's column-major arrays with the dimensions
        # reversed; transposing gives the shape MATLAB shows (e.g. 5000 x 400).
        return [np.asarray(f[key][()]).T for key in keys]


def _check_keys_present(path, keys, present):
    missing = [key for key in keys if key not in present]
    if missing:
        raise ValueError(
            f"{path}: variable(s) {', '.join(repr(k) for k in missing)} not found. "
            f"{_present_variables_message(present)} Pass x_key=/y_key= to name "
            "the image and label variables."
        )


def _images_from_columns(X, path, x_key):
    """Turn rows of column-major square images into upright row-major data."""
    if hasattr(X, "toarray"):  # MATLAB sparse matrices come back as scipy.sparse
        X = X.toarray()
    X = np.asarray(X)
    if X.dtype.kind not in "biuf" or X.ndim != 2:
        raise ValueError(
            f"{path}: variable {x_key!r} must be a 2-D numeric matrix with one "
            f"image per row; found {X.ndim}-D data of type {X.dtype}."
        )
    n_samples, n_pixels = X.shape
    side = math.isqrt(n_pixels)
    if side * side != n_pixels or n_pixels == 0:
        raise ValueError(
            f"{path}: the rows of {x_key!r} have {n_pixels} values, which is not a "
            "square number; expected square images unrolled into rows (e.g. 400 "
            f"values for 20x20). {x_key!r} has shape {X.shape}: if the images "
            "are columns, save its transpose."
        )
    # Row i is the image unrolled column-major, so reshaping it row-major
    # gives the transposed image; swap the last two axes to make it upright.
    upright = X.astype(np.float64, copy=False).reshape(n_samples, side, side)
    upright = upright.transpose(0, 2, 1)
    return np.ascontiguousarray(upright).reshape(n_samples, n_pixels), side


def _digits_from_course_labels(y, n_samples, path, y_key, x_key):
    """Validate labels 1..10 (or 0..9) and map the course's 10 to digit 0."""
    if hasattr(y, "toarray"):
        y = y.toarray()
    y = np.asarray(y)
    if y.ndim > 2 or (y.ndim == 2 and 1 not in y.shape) or y.size != n_samples:
        raise ValueError(
            f"{path}: {y_key!r} has shape {y.shape} but {x_key!r} has "
            f"{n_samples} rows; expected one label per image (a vector of "
            f"{n_samples} labels)."
        )
    y = y.reshape(-1)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{path}: {y_key!r} must be numeric, found type {y.dtype}.")
    valid = (y == np.round(y)) & (y >= 0) & (y <= 10)
    if not np.all(valid):
        bad = np.unique(y[~valid])[:5]
        raise ValueError(
            f"{path}: {y_key!r} must hold the labels 1..10 (10 meaning the digit "
            f"0), found values such as {bad.tolist()}."
        )
    digits = y.astype(np.int64)
    digits[digits == 10] = 0
    return digits


def load_mat(path, *, x_key="X", y_key="y", return_X_y=False):
    """Load digits from a .mat file in the Coursera course layout.

    The course's ``ex3data1.mat`` and ``ex4data1.mat`` hold ``X``, a matrix
    with one 20x20 image per row unrolled column-major, and ``y``, labels
    1..10 where 10 means the digit 0.  Square images of any size are accepted.
    Rows are returned upright and flattened row-major, and label 10 is mapped
    to 0.  MATLAB v4/v5/v7 files, compressed or not, are read with scipy; a
    v7.3 (HDF5) file is read with h5py when it is installed, and otherwise
    gives an error explaining how to proceed.

    Parameters
    ----------
    path : str or path-like
        The .mat file.
    x_key : str, default="X"
        Name of the image matrix variable.
    y_key : str, default="y"
        Name of the label variable.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, side * side), dtype float64
            Upright images flattened row-major; values as stored in the file.
        target : ndarray of shape (n_samples,), dtype int64
            Digits 0..9.
        images : ndarray of shape (n_samples, side, side)
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
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable .mat file, lacks the variables (the
        message lists those it has), has rows that are not square images, or
        has a label count that differs from the image count.

    Examples
    --------
    >>> from skmnist.datasets import load_mat  # doctest: +SKIP
    >>> X, y = load_mat("ex4data1.mat", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((5000, 400), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such .mat file: {path!r}")
    major, _ = _matfile_version(path)
    keys = (x_key, y_key)
    if major == 2:
        X, y = _read_v73(path, keys)
    else:
        X, y = _read_v5(path, keys)
    data, side = _images_from_columns(X, path, x_key)
    target = _digits_from_course_labels(y, data.shape[0], path, y_key, x_key)
    return make_bunch(
        data,
        target,
        (side, side),
        DIGIT_NAMES,
        _MAT_DESCR,
        return_X_y,
        filename=path,
    )
