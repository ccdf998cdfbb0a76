"""The batch a transform is called on: its checks, image shape and value range."""

import math
from numbers import Integral

import numpy as np
import scipy.sparse

_FLOAT_DTYPES = (np.float32, np.float64)


def check_batch(X):
    """``X`` as a 2-D float32/float64 array; a clear error for anything else."""
    if scipy.sparse.issparse(X):
        raise TypeError(
            "Image augmentation needs dense pixels, got a sparse matrix; pass "
            "X.toarray(), or train without augmentation."
        )
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array with one flattened image per row, got "
            f"{X.ndim}-D data of shape {X.shape}; for a single image use "
            "image.reshape(1, -1)."
        )
    if X.dtype not in _FLOAT_DTYPES:
        raise TypeError(
            f"Expected float32 or float64 pixels, got {X.dtype}; convert with "
            "X.astype(np.float32) (and scale, e.g. X / 255)."
        )
    return X


def image_shape_of(image_shape, n_features):
    """(height, width) given, or inferred when ``n_features`` is a square."""
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features or n_features == 0:
            raise ValueError(
                f"Cannot infer the image shape: {n_features} pixels per row is "
                "not a square number. Pass image_shape=(height, width)."
            )
        return side, side
    shape = tuple(image_shape)
    valid = len(shape) == 2 and all(
        isinstance(side, Integral) and side > 0 for side in shape
    )
    if not valid:
        raise ValueError(
            f"image_shape must be (height, width), two positive integers; got "
            f"{image_shape!r}."
        )
    if shape[0] * shape[1] != n_features:
        raise ValueError(
            f"image_shape={shape} has {shape[0] * shape[1]} pixels but X has "
            f"{n_features} per row; pass the shape of the images in X."
        )
    return int(shape[0]), int(shape[1])


def value_range(X):
    """The batch's smallest and largest pixel, which outputs stay within.

    Bilinear interpolation takes differences of neighbouring pixels; a batch
    whose values span more than half the dtype's largest number could make
    them overflow to infinity (and then NaN), so it is refused.
    """
    low, high = X.min(initial=np.inf), X.max(initial=-np.inf)
    if not X.size:
        return low, high
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(
            "X contains NaN or infinity; image augmentation needs finite pixels."
        )
    limit = float(np.finfo(X.dtype).max) / 2
    if float(high) - float(low) > limit:
        raise ValueError(
            f"X's pixels span [{low}, {high}], more than half the largest "
            f"{X.dtype} ({limit:.3g}), where interpolation would overflow; "
            "scale the images first (e.g. to [0, 1])."
        )
    return low, high


def as_generator(rng):
    """A :class:`numpy.random.Generator` from a Generator, a seed or None."""
    if isinstance(rng, np.random.RandomState):
        raise TypeError(
            "rng must be a numpy.random.Generator, a seed or None, not a "
            "RandomState; use np.random.default_rng(seed)."
        )
    return np.random.default_rng(rng)
