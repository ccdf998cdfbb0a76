"""Bilinear resampling of image batches: the compiled loop or its NumPy twin."""

import numpy as np

from .._compiled import compiled_kernels
from .._parallel import in_slices

#: Fewer images than this per thread, and a batch's resampling stays on the
#: calling thread: handing a slice to another thread costs tens of
#: microseconds, about what resampling a few MNIST digits does.
IMAGES_PER_THREAD = 16


def augment_kernels():
    """The compiled kernel module, or None for the NumPy path.

    Follows the training step's switch (numba installed and working, and
    not turned off by ``SKMNIST_NUMBA=0``).
    """
    if compiled_kernels() is None:
        return None
    from .. import _numba_augment

    return _numba_augment


def in_image_slices(warp, n_images):
    """Call ``warp(start, stop)`` on slices of a batch's images, in parallel
    threads when the batch is large enough (:mod:`skmnist._parallel`); the
    images are independent, so the result is the one-thread result."""
    in_slices(warp, n_images, IMAGES_PER_THREAD)


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
