"""Helpers shared by the dataset tests: hand-built IDX files, an asymmetric
test pattern, and a check that real digits are upright."""

import gzip
import os
import struct

import numpy as np


def idx_bytes(array, magic=None):
    """Serialise a uint8 array as IDX: big-endian magic, dims, then values."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + array.tobytes()


def write_file(path, content, compress=True):
    """Write bytes, gzip'd when ``compress``; return the path as str."""
    path = os.fspath(path)
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(content)
    return path


def asymmetric_images(n_samples, height, width, seed=0):
    """Images whose orientation is unambiguous: every flip, rotation or
    transposition changes them.  Image i has a marker block in the top-left
    corner, a single bright pixel one column in from the right edge in the
    top row, and random noise elsewhere."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 100, size=(n_samples, height, width), dtype=np.uint8)
    images[:, :2, :3] = 255
    images[:, 0, width - 2] = 254
    images[:, height - 1, :] = np.arange(width, dtype=np.uint8) + 101
    return images


def assert_digits_look_upright(images, target):
    """Check real digit images are upright, not transposed or upside down.

    Uses two robust facts about handwriting: the mean "1" is a vertical
    stroke (its densest column holds far more ink than its densest row; a
    transposed image would be the other way round), and the densest row of
    the mean "7" is its top bar, in the upper half of the image.
    """
    ones = images[target == 1].mean(axis=0)
    assert ones.sum(axis=0).max() > 2 * ones.sum(axis=1).max(), "transposed?"
    sevens = images[target == 7].mean(axis=0)
    assert np.argmax(sevens.sum(axis=1)) < sevens.shape[0] / 2, "upside down?"
