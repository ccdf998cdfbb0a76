"""Reader for MATLAB files in the layout of the Coursera machine-learning
course's ``ex3data1.mat`` / ``ex4data1.mat``."""

import io
import math
import os
import warnings

import numpy as np

from ._home import DIGIT_NAMES, make_bunch
from ._mat5 import HEADER_SIZE, extract_variables
from ._untrusted import MAX_DEFLATE_RATIO, open_regular_file

_MAT_DESCR = """\
Handwritten digits from a MATLAB file in the Coursera machine-learning course
layout (``ex3data1.mat`` / ``ex4data1.mat``).

In the file, ``X`` holds one image per row unrolled column-major (MATLAB
order) and ``y`` the labels 1..10, where 10 stands for the digit 0.  Here the
rows of ``data`` are the upright images flattened row-major (``images`` is
``data`` reshaped to (n, side, side)), and ``target`` holds the digits 0..9.
Pixel values are kept as stored (float64; the course data is not in [0, 1]).
"""


#: However small the file, a variable may take this much memory (see
#: ``_memory_limit``).
MIN_MEMORY_LIMIT = 16 * 2**20

# MATLAB classes of a v7.3 dataset that hold plain numbers.
_V73_NUMERIC_CLASSES = {
    "double", "single", "logical",
    "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
}  # fmt: skip


class _BadMatFile(ValueError):
    """A clear message about the file, raised from inside a reader."""


def _mat_version(header, path):
    """``0`` (v4), ``1`` (v5/v7) or ``2`` (v7.3) from the first 128 bytes,
    as scipy's ``matfile_version`` decides."""
    from scipy.io.matlab import matfile_version

    try:
        return matfile_version(io.BytesIO(header))[0]
    except Exception as exc:  # scipy raises several unrelated exception types
        raise ValueError(
            f"{path}: not a readable MATLAB .mat file ({exc}). Expected a MATLAB "
            "v4/v5/v7 file (e.g. written by save() in MATLAB/Octave or "
            "scipy.io.savemat)."
        ) from exc


def _present_variables_message(present):
    names = ", ".join(repr(name) for name in present) or "none"
    return f"The file has these variables: {names}."


def _read_v5(raw, path, keys):
    """Read ``keys`` from a MATLAB v5/v7 file (compressed or not): checked by
    ``extract_variables``, then read by scipy from the checked copy."""
    from scipy.io import loadmat

    present, checked = extract_variables(raw, path, keys)
    _check_keys_present(path, keys, present)
    return _scipy_read(loadmat, checked, path, keys)


def _read_v4(raw, path, keys):
    """Read ``keys`` from a MATLAB v4 file; scipy reads these in Python."""
    from scipy.io import loadmat, whosmat

    with warnings.catch_warnings():
        # Corrupt headers claim VAX or Cray number formats, which scipy reads
        # anyway after this warning: refuse them instead.
        warnings.filterwarnings("error", "We do not support byte ordering")
        try:
            present = [name for name, _, _ in whosmat(io.BytesIO(raw))]
        except Exception as exc:  # truncated or corrupt files fail in many ways
            raise _unreadable(path, exc) from exc
        _check_keys_present(path, keys, present)
        return _scipy_read(loadmat, raw, path, keys)


def _scipy_read(loadmat, content, path, keys):
    try:
        contents = loadmat(io.BytesIO(content), variable_names=list(keys))
        return [contents[key] for key in keys]
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path, exc):
    return ValueError(
        f"{path}: could not read the .mat file; it may be truncated or corrupt "
        f"({type(exc).__name__}: {str(exc)[:200]})."
    )


def _import_h5py(path):
    try:
        import h5py
    except ImportError:
        raise ValueError(
            f"{path}: this is a MATLAB v7.3 file (HDF5 based), which scipy cannot "
            "read. Either install h5py (pip install h5py) so that skmnist can "
            "read it, or re-save it in the older format, e.g. in MATLAB/Octave: "
            "load('file.mat'); save('-v7', 'file_v7.mat', 'X', 'y')."
        ) from None
    return h5py


def _read_v73(file, path, keys, limit):
    """Read ``keys`` from a MATLAB v7.3 (HDF5) file with h5py, if installed.

    Numeric matrices and sparse matrices are read; anything else (structs,
    cells, text, links, data stored in other files) is refused, as is a
    variable over ``limit`` bytes.
    """
    h5py = _import_h5py(path)
    try:
        with h5py.File(file, "r") as f:
            # '#refs#' and similar entries are HDF5 bookkeeping, not variables.
            present = [name for name in f.keys() if not name.startswith("#")]
            _check_keys_present(path, keys, present)
            return [_v73_variable(h5py, f, key, path, limit) for key in keys]
    except _BadMatFile:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, RuntimeError...
        raise _unreadable(path, exc) from exc


def _v73_variable(h5py, f, key, path, limit):
    link = f.get(key, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise _BadMatFile(
            f"{path}: variable {key!r} is an HDF5 {type(link).__name__} to elsewhere, "
            "not data stored in the file; MATLAB does not write links."
        )
    node = f[key]
    matlab_class = _text_attribute(node, "MATLAB_class")
    if isinstance(node, h5py.Group):
        if "MATLAB_sparse" in node.attrs:
            return _v73_sparse(h5py, node, key, path, limit)
        raise _BadMatFile(
            f"{path}: variable {key!r} is a MATLAB {matlab_class or 'struct'} "
            "(an HDF5 group); expected a numeric matrix."
        )
    if not isinstance(node, h5py.Dataset):
        raise _BadMatFile(f"{path}: variable {key!r} holds no data.")
    if matlab_class is not None and matlab_class not in _V73_NUMERIC_CLASSES:
        raise _BadMatFile(
            f"{path}: variable {key!r} is of MATLAB class {matlab_class!r}; "
            "expected a numeric matrix."
        )
    if node.attrs.get("MATLAB_empty", 0):
        raise _BadMatFile(f"{path}: variable {key!r} is an empty matrix.")
    # HDF5 stores MATLAB's column-major arrays with the dimensions
    # reversed; transposing gives the shape MATLAB shows (e.g. 5000 x 400).
    return _v73_array(node, key, path, limit).T


def _v73_array(dataset, key, path, limit):
    """The numbers of an HDF5 dataset, after checking what reading costs."""
    if dataset.dtype.kind not in "biuf":
        kind = "complex numbers" if dataset.dtype.names else f"{dataset.dtype}"
        raise _BadMatFile(
            f"{path}: variable {key!r} holds {kind}; expected real numbers."
        )
    if dataset.external or dataset.is_virtual:
        raise _BadMatFile(
            f"{path}: variable {key!r} keeps its data in other files; refusing "
            "to read them."
        )
    _check_memory(dataset.size * dataset.dtype.itemsize, key, path, limit)
    return np.asarray(dataset[()])


def _v73_sparse(h5py, group, key, path, limit):
    """A MATLAB sparse matrix as ``save -v7.3`` writes it: a group holding
    the compressed-column arrays ``jc`` (column pointers), ``ir`` (row
    indices) and ``data``, with the row count in the MATLAB_sparse attribute;
    ``ir`` and ``data`` are absent when there are no non-zeros."""
    parts = {}
    for name in ("jc", "ir", "data"):
        node = group.get(name)
        if node is None and name != "jc":
            parts[name] = np.zeros(0, np.int64 if name == "ir" else np.float64)
        elif isinstance(node, h5py.Dataset):
            parts[name] = _v73_array(node, f"{key}/{name}", path, limit).ravel()
        else:
            raise _BadMatFile(
                f"{path}: sparse variable {key!r} lacks its {name!r} dataset."
            )
    n_rows = np.asarray(group.attrs["MATLAB_sparse"]).ravel()
    if n_rows.size != 1 or n_rows.dtype.kind not in "iu":
        raise _BadMatFile(f"{path}: sparse variable {key!r} has no row count.")
    shape = (int(n_rows[0]), len(parts["jc"]) - 1)
    return _checked_sparse(parts["data"], parts["ir"], parts["jc"], shape, key, path)


def _text_attribute(node, name):
    value = node.attrs.get(name)
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bytes):
        return value.decode("latin1")
    return value if isinstance(value, str) else None


def _checked_sparse(data, indices, indptr, shape, key, path):
    """A scipy CSC matrix from its parts, after checking everything scipy's
    compiled code would trust (index ranges, pointer order, counts)."""
    from scipy.sparse import csc_array

    n_rows, n_cols = shape
    problem = None
    if n_cols < 0 or len(indptr) != n_cols + 1 or indptr.dtype.kind not in "iu":
        problem = "its column pointers do not match its columns"
    elif indptr[0] != 0 or np.any(np.diff(indptr.astype(np.int64)) < 0):
        problem = "its column pointers are not increasing from 0"
    elif not indptr[-1] <= min(len(indices), len(data)):
        problem = "it has fewer row indices or values than its pointers announce"
    else:
        nnz = int(indptr[-1])
        indices = indices[:nnz]
        if (
            indices.dtype.kind not in "iu"
            or np.any(indices < 0)
            or np.any(indices >= n_rows)
        ):
            problem = f"its row indices are not all in 0..{n_rows - 1}"
    if problem is not None:
        raise _BadMatFile(
            f"{path}: sparse variable {key!r} is corrupt: {problem}. The file was "
            "damaged; obtain or save it again."
        )
    return csc_array((data[:nnz], indices, indptr), shape=shape)


def _memory_limit(file_size):
    """Bytes a variable of a file of ``file_size`` bytes may take in memory.

    A dense variable is in the file, at most deflate-compressed, so it cannot
    take more than ``MAX_DEFLATE_RATIO`` times the file's size; the same bound
    applies to densifying a sparse matrix, so that a small corrupt or hostile
    file cannot claim gigabytes.
    """
    return max(MIN_MEMORY_LIMIT, MAX_DEFLATE_RATIO * file_size)


def _check_memory(n_bytes, key, path, limit):
    if n_bytes > limit:
        raise _BadMatFile(
            f"{path}: variable {key!r} would take {n_bytes} bytes in memory, "
            f"more than the {limit} allowed for a file of this size; it is "
            "corrupt, or too large for this loader."
        )


def _check_keys_present(path, keys, present):
    missing = [key for key in keys if key not in present]
    if missing:
        raise _BadMatFile(
            f"{path}: variable(s) {', '.join(repr(k) for k in missing)} not found. "
            f"{_present_variables_message(present)} Pass x_key=/y_key= to name "
            "the image and label variables."
        )


def _dense(array, key, path, limit):
    """A dense ndarray from what the readers return (sparse matrices are
    checked, and densified only if that fits in ``limit`` bytes)."""
    if not hasattr(array, "toarray"):
        return np.asarray(array)
    n_bytes = math.prod(array.shape) * max(array.dtype.itemsize, 8)
    _check_memory(n_bytes, key, path, limit)
    if array.format != "csc":  # v7.3 matrices were checked when built
        array = array.tocsc()
    array = _checked_sparse(
        array.data, array.indices, array.indptr, array.shape, key, path
    )
    return array.toarray()


def _images_from_columns(X, path, x_key):
    """Turn rows of column-major square images into upright row-major data."""
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
    if np.any(digits == 0) and np.any(digits == 10):
        raise ValueError(
            f"{path}: {y_key!r} holds both 0 and 10. In the course layout 10 "
            "stands for the digit 0, so these would be merged into one class; "
            "relabel the file so that each digit has one label (1..10 with 10 "
            "for the digit 0, or 0..9)."
        )
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
    gives an error explaining how to proceed.  Sparse matrices are accepted
    (and densified).

    The file is treated as untrusted: the structure of a v5/v7 file is
    checked in full before scipy reads it (scipy's compiled reader can crash
    on some corrupt files), and no variable may take more memory than 1040
    times the file's size (deflate's largest expansion; 16 MiB for smaller
    files), densified sparse matrices included.

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
        Naming the file: if it is not a regular file (a directory, a FIFO...)
        or not a readable .mat file, is corrupt, lacks the variables (the
        message lists those it has), holds them in another form than numeric
        matrices (structs, cells, text...), has rows that are not square
        images, has a label count that differs from the image count, or has
        labels holding both 0 and 10 (both would mean the digit 0).

    Examples
    --------
    >>> from skmnist.datasets import load_mat  # doctest: +SKIP
    >>> X, y = load_mat("ex4data1.mat", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((5000, 400), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such .mat file: {path!r}")
    keys = (x_key, y_key)
    with open_regular_file(path) as f:
        limit = _memory_limit(os.fstat(f.fileno()).st_size)
        header = f.read(HEADER_SIZE)
        major = _mat_version(header, path)
        if major == 2:
            f.seek(0)
            X, y = _read_v73(f, path, keys, limit)
        else:
            read = _read_v4 if major == 0 else _read_v5
            X, y = read(header + f.read(), path, keys)
    X, y = (_dense(value, key, path, limit) for value, key in zip((X, y), keys))
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
