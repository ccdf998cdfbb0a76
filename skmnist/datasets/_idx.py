"""Reader for the IDX format of the MNIST distribution files.

An IDX file is a big-endian header -- two zero bytes, a type code, the number
of dimensions, then one 32-bit size per dimension -- followed by the raw
values in row-major order.  MNIST images are ``0x00000803`` (2051: unsigned
bytes, 3 dimensions) and labels ``0x00000801`` (2049: unsigned bytes, 1
dimension).
"""

import math
import os
import struct

import numpy as np

from ._home import DIGIT_NAMES, make_bunch, scale_pixels
from ._untrusted import (
    GZIP_MAGIC,
    MAX_DEFLATE_RATIO,
    gunzip,
    gunzip_prefix,
    read_regular_file,
)

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

_KIND_BY_MAGIC = {IMAGES_MAGIC: "an IDX image file", LABELS_MAGIC: "an IDX label file"}

# The magic number's last byte counts the dimensions: at most 255 sizes.
_MAX_HEADER_SIZE = 4 + 4 * 255
_TRAILING_ALLOWANCE = 1 << 16
# Values per image (or per item) beyond which a header cannot be genuine.
_MAX_ITEM_SIZE = 1 << 31

_IDX_DESCR = """\
Handwritten digits read from IDX files (the MNIST distribution format).

Each image is an upright grayscale picture; ``data[i]`` is ``images[i]``
flattened row-major.  Pixels are 0 (background) to 255 (ink) in the files;
with ``normalize=True`` they are divided by 255 to float32 in [0, 1].
Targets are the labels stored in the label file (digits 0..9 for MNIST).
"""


def parse_idx(raw, source, expected_magic):
    """Validate an IDX byte string and return its values as an array.

    Parameters
    ----------
    raw : bytes
        Uncompressed file content.
    source : str
        File name used in error messages.
    expected_magic : int
        ``IMAGES_MAGIC`` or ``LABELS_MAGIC``.

    Returns
    -------
    values : ndarray of uint8
        Read-only array of shape ``dims`` (a view of ``raw``).  A file
        announcing 0 images gives an empty array of shape ``(0, h, w)``.

    Raises
    ------
    ValueError
        If the magic number, type, number of dimensions or byte count does not
        match; the message names ``source`` and what was expected and found.
    """
    header_size, dims = _parse_header(raw, source, expected_magic)
    _check_size(len(raw), header_size, dims, source)
    _check_item_shape(dims, source)
    values = np.frombuffer(raw, np.uint8, count=math.prod(dims), offset=header_size)
    return values.reshape(dims)


def _parse_header(raw, source, expected_magic):
    """Check the magic number of ``raw`` (the file or its first bytes) and
    return ``(header_size, dims)``."""
    expected_kind = _KIND_BY_MAGIC[expected_magic]
    if len(raw) < 4:
        raise ValueError(
            f"{source}: only {len(raw)} bytes, too short to be {expected_kind} "
            f"(expected a 4-byte magic number {expected_magic} first)."
        )
    (magic,) = struct.unpack(">I", raw[:4])
    if magic != expected_magic:
        raise _wrong_magic(raw, magic, source, expected_magic)
    # The magic encodes the value type (byte 2: 0x08, unsigned byte, for both
    # kinds) and the number of dimensions (byte 3).
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{source}: truncated header; {expected_kind} needs {header_size} "
            f"header bytes, the file has {len(raw)}."
        )
    return header_size, struct.unpack(f">{ndim}I", raw[4:header_size])


def _wrong_magic(raw, magic, source, expected_magic):
    found = _KIND_BY_MAGIC.get(magic)
    if found is not None:
        hint = (
            f" It is {found} (magic {magic}); were the images and labels "
            "arguments swapped?"
        )
    elif raw[:1] == b"<":
        hint = " It starts with '<': an HTML page saved in place of the data?"
    else:
        hint = " It is not an IDX file of the MNIST kind."
    return ValueError(
        f"{source}: wrong magic number {magic} (0x{magic:08x}, first bytes "
        f"{raw[:4].hex()}); expected {expected_magic} (0x{expected_magic:08x}) "
        f"for {_KIND_BY_MAGIC[expected_magic]}.{hint}"
    )


def _check_item_shape(dims, source):
    # With 0 items the byte count says nothing about the item shape, and
    # items of 0 values make any count right: neither is a genuine header.
    item_dims = dims[1:]
    if 0 in item_dims or math.prod(item_dims) > _MAX_ITEM_SIZE:
        shape = " x ".join(str(d) for d in item_dims)
        raise ValueError(
            f"{source}: its header announces items of {shape} values each, "
            "which no image has; the header is corrupt. Obtain the file again."
        )


def _file_size(header_size, dims):
    # An exact Python int: the product of four 32-bit sizes overflows int64.
    return header_size + math.prod(dims)


def _describe_sizes(header_size, dims):
    shape = " x ".join(str(d) for d in dims)
    return f"{shape} values, i.e. {_file_size(header_size, dims)} bytes in all"


def _check_size(n_bytes, header_size, dims, source):
    expected_size = _file_size(header_size, dims)
    if n_bytes == expected_size:
        return
    problem = "truncated" if n_bytes < expected_size else "has trailing bytes"
    raise ValueError(
        f"{source}: {problem}; its header announces "
        f"{_describe_sizes(header_size, dims)}, but the (uncompressed) file has "
        f"{n_bytes} bytes. Obtain the file again."
    )


def _read_idx_file(path, expected_magic):
    """The uncompressed content of an IDX file, gzip'd or not.

    A gzip'd file is decompressed no further than its header announces, so
    a corrupt or hostile file cannot make it expand without bound.
    """
    raw = read_regular_file(path)
    if not raw.startswith(GZIP_MAGIC):
        return raw
    header = gunzip_prefix(raw, path, _MAX_HEADER_SIZE)
    header_size, dims = _parse_header(header, path, expected_magic)
    expected_size = _file_size(header_size, dims)
    if expected_size > MAX_DEFLATE_RATIO * len(raw):
        raise ValueError(
            f"{path}: truncated; its header announces "
            f"{_describe_sizes(header_size, dims)}, more than a gzip file of "
            f"{len(raw)} bytes can hold. Obtain the file again."
        )
    # A little beyond the announced size, so that trailing bytes are reported
    # with the true size when there are not too many of them.
    return gunzip(raw, path, expected_size + _TRAILING_ALLOWANCE)


def read_idx_pair(images_raw, labels_raw, images_source, labels_source):
    """Parse and cross-check an images/labels pair of IDX byte strings.

    Returns ``(pixels, labels)``: read-only uint8 arrays of shapes
    ``(n, h, w)`` and ``(n,)``.
    """
    pixels = parse_idx(images_raw, images_source, IMAGES_MAGIC)
    labels = parse_idx(labels_raw, labels_source, LABELS_MAGIC)
    if pixels.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_source} holds {pixels.shape[0]} images but {labels_source} "
            f"holds {labels.shape[0]} labels; they must come from the same set "
            "(train with train, t10k with t10k)."
        )
    if labels.size and labels.max() > 9:
        raise ValueError(
            f"{labels_source}: labels must be 0..9, found a label {int(labels.max())}."
        )
    return pixels, labels


def _pixels_as_rows(pixels, normalize):
    if len(pixels) == 0:  # reshape cannot infer the row length of 0 rows
        dtype = np.float32 if normalize else np.uint8
        return np.zeros((0, math.prod(pixels.shape[1:])), dtype=dtype)
    return scale_pixels(pixels, normalize)


def load_idx(images_path, labels_path, *, normalize=True, return_X_y=False):
    """Load an images/labels pair of IDX files (gzip'd or not).

    These are the files of the MNIST distribution
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-...``) and of datasets in the same format, such as Fashion-MNIST.
    Both files are validated (magic number, dimensions, byte count, matching
    counts) so that a truncated, swapped or mislabeled file gives a clear error.
    A gzip'd file is decompressed no further than its header announces.  A
    pair announcing 0 images loads as empty arrays of shapes
    ``(0, height * width)`` and ``(0,)``.

    Parameters
    ----------
    images_path : str or path-like
        IDX image file (magic 2051), gzip'd or raw.
    labels_path : str or path-like
        IDX label file (magic 2049), gzip'd or raw.
    normalize : bool, default=True
        If True, pixels are float32 in [0, 1] (pixel / 255); otherwise the
        file's uint8 values 0..255.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, height * width)
            Each row is the upright image flattened row-major.
        target : ndarray of shape (n_samples,), dtype int64
            Labels.
        images : ndarray of shape (n_samples, height, width)
            Upright images (a view of ``data``).
        target_names : ndarray of str
            ``"0"`` .. ``"9"``.
        DESCR : str
            Description of the data.
        images_filename, labels_filename : str
            The paths read.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    ValueError
        If either path is not a regular file (a directory, a FIFO...), is not
        valid IDX of the expected kind, or the counts differ.

    Examples
    --------
    >>> from skmnist.datasets import load_idx  # doctest: +SKIP
    >>> mnist = load_idx("train-images-idx3-ubyte.gz",
    ...                  "train-labels-idx1-ubyte.gz")  # doctest: +SKIP
    >>> mnist.images.shape, mnist.data.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('float32'))
    """
    images_path = os.fspath(images_path)
    labels_path = os.fspath(labels_path)
    pixels, labels = read_idx_pair(
        _read_idx_file(images_path, IMAGES_MAGIC),
        _read_idx_file(labels_path, LABELS_MAGIC),
        images_path,
        labels_path,
    )
    return make_bunch(
        _pixels_as_rows(pixels, normalize),
        labels,
        pixels.shape[1:],
        DIGIT_NAMES,
        _IDX_DESCR,
        return_X_y,
        images_filename=images_path,
        labels_filename=labels_path,
    )
