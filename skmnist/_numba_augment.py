"""Compiled twins of the augmentation's resampling (the ``fast`` extra).

Imported only by :mod:`skmnist.augmentation`, and only when
:func:`skmnist._compiled.compiled_kernels` says numba works here. Each kernel
does image by image what the NumPy path of ``augmentation`` does with
whole-batch arrays, in the same order and in the images' dtype, so the two
agree to rounding (the tests check this).

Two choices measured on MNIST batches: the kernels allocate nothing of the
batch's size (on a busy machine, page faults on fresh megabyte-sized
temporaries cost more than the arithmetic), and the pixel loop lives in a
function called once per image, never per pixel (a per-pixel helper made
numba's loop two to three times slower).

Scalars arrive cast to the images' dtype and constants are built with
``as_dtype``: a float64 or integer operand in a float32 loop would make
numba compute in float64.
"""

import numpy as np
from numba import njit

_jit = njit(cache=True, nogil=True, error_model="numpy")


@_jit
def warp_affine(images, matrices, fill, low, high, out):
    """``out[i]``: ``images[i]`` read at ``M_i (p - centre) + centre``.

    ``matrices`` is (n, 4): the entries m00, m01, m10, m11 of each image's
    map from output to source pixel coordinates (row, column).
    """
    n, h, w = images.shape
    as_dtype = images.dtype.type
    half = as_dtype(0.5)
    center_row, center_col = as_dtype(h - 1) * half, as_dtype(w - 1) * half
    src_rows, src_cols, padded = _buffers(images, fill)
    for i in range(n):
        m00, m01, m10, m11 = (
            matrices[i, 0],
            matrices[i, 1],
            matrices[i, 2],
            matrices[i, 3],
        )
        for r in range(h):
            dr = as_dtype(r) - center_row
            row_part = m00 * dr + center_row
            col_part = m10 * dr + center_col
            for c in range(w):
                dc = as_dtype(c) - center_col
                src_rows[r, c] = row_part + m01 * dc
                src_cols[r, c] = col_part + m11 * dc
        _resample(images[i], padded, src_rows, src_cols, low, high, out[i])


@_jit
def warp_elastic(
    images, noise_rows, noise_cols, basis_rows, basis_cols_t, fill, low, high, out
):
    """``out[i]``: ``images[i]`` read at ``p + (field_r, field_c)[i](p)``.

    The fields are ``basis_rows @ noise_rows[i] @ basis_cols_t`` (row
    displacements) and the same of ``noise_cols[i]`` (column displacements).
    """
    n = images.shape[0]
    k_rows, w = basis_rows.shape[1], images.shape[2]
    half_rows = np.empty((k_rows, w), dtype=images.dtype)
    half_cols = np.empty((k_rows, w), dtype=images.dtype)
    src_rows, src_cols, padded = _buffers(images, fill)
    for i in range(n):
        _right_products(
            noise_rows[i], noise_cols[i], basis_cols_t, half_rows, half_cols
        )
        _source_points(basis_rows, half_rows, half_cols, src_rows, src_cols)
        _resample(images[i], padded, src_rows, src_cols, low, high, out[i])


@_jit
def _buffers(images, fill):
    """One image's source rows and columns, and a frame of ``fill``."""
    h, w = images.shape[1], images.shape[2]
    src_rows = np.empty((h, w), dtype=images.dtype)
    src_cols = np.empty((h, w), dtype=images.dtype)
    padded = np.full((h + 3, w + 3), fill, dtype=images.dtype)
    return src_rows, src_cols, padded


@_jit
def _right_products(noise_rows, noise_cols, basis_cols_t, half_rows, half_cols):
    """``half = noise @ basis_cols_t`` for both fields at once."""
    half_rows[:, :] = 0
    half_cols[:, :] = 0
    for a in range(noise_rows.shape[0]):
        for b in range(noise_rows.shape[1]):
            z_rows, z_cols = noise_rows[a, b], noise_cols[a, b]
            for c in range(basis_cols_t.shape[1]):
                half_rows[a, c] += z_rows * basis_cols_t[b, c]
                half_cols[a, c] += z_cols * basis_cols_t[b, c]


@_jit
def _source_points(basis_rows, half_rows, half_cols, src_rows, src_cols):
    """``src = basis_rows @ half + grid``: displaced pixel positions."""
    as_dtype = src_rows.dtype.type
    h, w = src_rows.shape
    for r in range(h):
        src_rows[r, :] = 0
        src_cols[r, :] = 0
        for a in range(basis_rows.shape[1]):
            weight = basis_rows[r, a]
            for c in range(w):
                src_rows[r, c] += weight * half_rows[a, c]
                src_cols[r, c] += weight * half_cols[a, c]
        for c in range(w):
            src_rows[r, c] += as_dtype(r)
            src_cols[r, c] += as_dtype(c)


@_jit
def _resample(image, padded, src_rows, src_cols, low, high, out):
    """``out``: ``image`` interpolated bilinearly at ``(src_rows, src_cols)``.

    ``padded`` has a one-pixel frame of fill before and two after, so once
    a point is clipped to ``[-1, size]`` (where every neighbour is fill
    already) its four neighbours need no bounds test. Results are clipped
    to ``[low, high]``.
    """
    h, w = image.shape
    padded[1 : h + 1, 1 : w + 1] = image
    as_dtype = image.dtype.type
    minus_one, row_end, col_end = as_dtype(-1), as_dtype(h), as_dtype(w)
    for r in range(h):
        for c in range(w):
            src_row = min(max(src_rows[r, c], minus_one), row_end)
            src_col = min(max(src_cols[r, c], minus_one), col_end)
            top_f, left_f = np.floor(src_row), np.floor(src_col)
            down, right = src_row - top_f, src_col - left_f
            top, left = int(top_f) + 1, int(left_f) + 1
            v00, v01 = padded[top, left], padded[top, left + 1]
            v10, v11 = padded[top + 1, left], padded[top + 1, left + 1]
            upper = v00 + right * (v01 - v00)
            lower = v10 + right * (v11 - v10)
            value = upper + down * (lower - upper)
            out[r, c] = min(max(value, low), high)
