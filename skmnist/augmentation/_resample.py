"""Bilinear resampling of image batches: the compiled loop or its NumPy twin."""

import numpy as np

from .._compiled import compiled_kernels


def augment_kernels():
    """The compiled kernel module, or None for the NumPy path.

    Follows the training step's switch (numba installed and working, and
    not turned off by ``SKMNIST_NUMBA=0``).
    """
    if compiled_kernels() is None:
        return None
    from .. import _numba_augment

    return _numba_augment


def warp_numpy(images, rows, cols, fill, low, high):
    """Each image read at its own source coordinates ``(rows, cols)``.

    All arrays are (n, height, width) in the images' dtype; pixels from
    outside the image read as ``fill``; results are clipped to ``[low,
    high]``. The compiled kernels compute the coordinates on the fly.
    """
    n, h, w = images.shape
    # A border of fill (1 pixel before, 2 after) makes every neighbour of a
    # coordinate clipped to [-1, size] a valid index, so no masks are needed.
    padded = np.full((n, h + 3, w + 3), fill, dtype=images.dtype)
    padded[:, 1 : h + 1, 1 : w + 1] = images
    rows, cols = np.clip(rows, -1, h), np.clip(cols, -1, w)
    top, left = np.floor(rows), np.floor(cols)
    down, right = rows - top, cols - left
    stride = w + 3
    first = np.arange(n)[:, None, None] * ((h + 3) * stride)
    index = first + (top.astype(np.intp) + 1) * stride + (left.astype(np.intp) + 1)
    flat = padded.reshape(-1)
    v00, v01 = flat[index], flat[index + 1]
    v10, v11 = flat[index + stride], flat[index + stride + 1]
    upper = v00 + right * (v01 - v00)
    lower = v10 + right * (v11 - v10)
    value = upper + down * (lower - upper)
    return np.clip(value, low, high, out=value)


def pixel_grid(h, w, dtype):
    """Row and column indices, shaped to broadcast over (n, h, w)."""
    rows = np.arange(h, dtype=dtype)[None, :, None]
    cols = np.arange(w, dtype=dtype)[None, None, :]
    return rows, cols
