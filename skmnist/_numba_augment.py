"""Compiled twins of the augmentation's resampling (the ``fast`` extra).

Imported only by :mod:`skmnist.augmentation`, and only when
:func:`skmnist._compiled.compiled_kernels` says numba works here. Each kernel
does image by image (the elastic fields in blocks of a few images) what the
NumPy path of ``augmentation`` does with whole-batch arrays, in the same
order and in the images' dtype, so the two agree to rounding (the tests
check this).

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
    src_rows = np.empty((h, w), dtype=images.dtype)
    src_cols = np.empty((h, w), dtype=images.dtype)
    padded = _frame(images, fill)
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
        _resample(images[i], padded, src_rows, src_cols, 0, low, high, out[i])


#: Images whose displacement fields are made together: their row products
#: then run along ``IMAGES_PER_BLOCK * width`` columns at once (28 columns
#: alone left much of each vector loop to its scalar remainder, and the
#: loop's set-up to each row), in buffers of a few tens of kilobytes.
IMAGES_PER_BLOCK = 8


@_jit
def warp_elastic(
    images, noise_rows, noise_cols, basis_rows, basis_cols_t, fill, low, high, out
):
    """``out[i]``: ``images[i]`` read at ``p + (field_r, field_c)[i](p)``.

    The fields are ``basis_rows @ noise_rows[i] @ basis_cols_t`` (row
    displacements) and the same of ``noise_cols[i]`` (column displacements).
    Image ``j`` of a block owns columns ``j * width`` to ``(j + 1) * width``
    of the block's buffers.
    """
    n, h, w = images.shape
    block = max(1, min(n, IMAGES_PER_BLOCK))
    k_rows = basis_rows.shape[1]
    half_rows = np.empty((k_rows, block * w), dtype=images.dtype)
    half_cols = np.empty((k_rows, block * w), dtype=images.dtype)
    src_rows = np.empty((h, block * w), dtype=images.dtype)
    src_cols = np.empty((h, block * w), dtype=images.dtype)
    padded = _frame(images, fill)
    for first in range(0, n, block):
        count = min(block, n - first)
        for j in range(count):
            _right_products(
                noise_rows[first + j],
                noise_cols[first + j],
                basis_cols_t,
                j * w,
                half_rows,
                half_cols,
            )
        _source_points(
            basis_rows, half_rows, half_cols, w, count * w, src_rows, src_cols
        )
        for j in range(count):
            _resample(
                images[first + j],
                padded,
                src_rows,
                src_cols,
                j * w,
                low,
                high,
                out[first + j],
            )


@_jit
def _frame(images, fill):
    """An image's worth of pixels inside a frame of ``fill``: one pixel
    before, two after (see :func:`_resample`)."""
    h, w = images.shape[1], images.shape[2]
    return np.full((h + 3, w + 3), fill, dtype=images.dtype)


@_jit
def _right_products(noise_rows, noise_cols, basis_cols_t, offset, half_rows, half_cols):
    """``half[:, offset:offset + w] = noise @ basis_cols_t`` for both fields."""
    w = basis_cols_t.shape[1]
    for a in range(noise_rows.shape[0]):
        row_half = half_rows[a, offset : offset + w]
        col_half = half_cols[a, offset : offset + w]
        row_half[:] = 0
        col_half[:] = 0
        for b in range(noise_rows.shape[1]):
            z_rows, z_cols = noise_rows[a, b], noise_cols[a, b]
            basis = basis_cols_t[b]
            for c in range(w):
                row_half[c] += z_rows * basis[c]
                col_half[c] += z_cols * basis[c]


@_jit
def _source_points(
    basis_rows, half_rows, half_cols, width, n_columns, src_rows, src_cols
):
    """``src = basis_rows @ half + grid`` in the first ``n_columns`` columns
    (images ``width`` columns wide side by side): displaced pixel positions.
    Each sum runs over ``basis_rows``' columns in order, from 0."""
    as_dtype = src_rows.dtype.type
    for r in range(src_rows.shape[0]):
        row_src, col_src = src_rows[r], src_cols[r]
        for c in range(n_columns):
            row_src[c] = 0
            col_src[c] = 0
        for a in range(basis_rows.shape[1]):
            weight = basis_rows[r, a]
            row_half, col_half = half_rows[a], half_cols[a]
            for c in range(n_columns):
                row_src[c] += weight * row_half[c]
                col_src[c] += weight * col_half[c]
        for c in range(n_columns):
            row_src[c] += as_dtype(r)
        # Image by image: a remainder per column (c % width) cost a sixth of
        # the kernel.
        for first in range(0, n_columns, width):
            image_cols = col_src[first : first + width]
            for c in range(width):
                image_cols[c] += as_dtype(c)


@_jit
def _resample(image, padded, src_rows, src_cols, offset, low, high, out):
    """``out``: ``image`` interpolated bilinearly at the source points in
    columns ``offset`` to ``offset + width`` of ``(src_rows, src_cols)``.

    ``padded`` has a one-pixel frame of fill before and two after, so once
    a point is clipped to ``[-1, size]`` (where every neighbour is fill
    already) its four neighbours need no bounds test. Results are clipped
    to ``[low, high]``.
    """
    h, w = image.shape
    padded[1 : h + 1, 1 : w + 1] = image
    frame = padded.ravel()
    # Unsigned indices: numba then skips its negative-index wrap-around,
    # which cost a tenth of the loop; every index here is >= 0 anyway.
    stride = np.uint32(w + 3)
    one = np.uint32(1)
    as_dtype = image.dtype.type
    minus_one, row_end, col_end = as_dtype(-1), as_dtype(h), as_dtype(w)
    for r in range(h):
        row_src = src_rows[r, offset : offset + w]
        col_src = src_cols[r, offset : offset + w]
        for c in range(w):
            src_row = min(max(row_src[c], minus_one), row_end)
            src_col = min(max(col_src[c], minus_one), col_end)
            top_f, left_f = np.floor(src_row), np.floor(src_col)
            down, right = src_row - top_f, src_col - left_f
            corner = np.uint32(int(top_f) + 1) * stride + np.uint32(int(left_f) + 1)
            v00, v01 = frame[corner], frame[corner + one]
            v10, v11 = frame[corner + stride], frame[corner + stride + one]
            upper = v00 + right * (v01 - v00)
            lower = v10 + right * (v11 - v10)
            value = upper + down * (lower - upper)
            out[r, c] = min(max(value, low), high)
