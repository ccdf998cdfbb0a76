"""Random distortions of image batches, for training on fresh variants.

Each transform is a scikit-learn style object (``get_params``, ``set_params``,
``clone``; its strength is a parameter a grid search can tune) that is
called on a batch of flattened images::

    X_new = transform(X, rng)

``X`` is a dense 2-D float32 or float64 array with one image per row,
flattened row-major (``X[i].reshape(height, width)`` is upright, as the
loaders of :mod:`skmnist.datasets` return them); ``rng`` is a
:class:`numpy.random.Generator` (or a seed). ``X_new`` is a new array of the
same shape and dtype, its values within ``[X.min(), X.max()]``; ``X`` is
never modified. At zero strength a transform returns an exact copy of
``X``, and the same seed gives the same output.

- :class:`RandomShift`: whole-pixel translations.
- :class:`RandomAffine`: small rotations, zooms and slants.
- :class:`ElasticDistortion`: the smooth random displacement fields of
  Simard, Steinkraus & Platt (ICDAR 2003).
- :class:`RandomHorizontalFlip`: mirror images, for clothing; never for
  digits, where a mirrored 2, 3, 4, 5, 7 or 9 is not the same digit.
- :class:`Compose`: several of them in a row, with named steps whose
  parameters are reached as ``name__param``, as in a
  :class:`~sklearn.pipeline.Pipeline`.

Resampling is bilinear and vectorised over the batch; with numba installed
(``pip install "skmnist[fast]"``) it runs as one compiled loop, otherwise in
NumPy with the same results up to rounding (``SKMNIST_NUMBA=0`` forces the
NumPy path, as for training).
"""

import math
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
import scipy.sparse
from scipy.ndimage import gaussian_filter1d
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from ._compiled import compiled_kernels

__all__ = [
    "Compose",
    "ElasticDistortion",
    "RandomAffine",
    "RandomHorizontalFlip",
    "RandomShift",
]

_FLOAT_DTYPES = (np.float32, np.float64)
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")
_COMMON_CONSTRAINTS = {"image_shape": [tuple, list, None], "fill": [Real]}


# ----------------------------------------------------------------------
# Checking the batch
# ----------------------------------------------------------------------
def _check_batch(X):
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


def _image_shape(image_shape, n_features):
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


def _value_range(X):
    """The batch's smallest and largest pixel, which outputs stay within."""
    low, high = X.min(initial=np.inf), X.max(initial=-np.inf)
    if X.size and not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(
            "X contains NaN or infinity; image augmentation needs finite pixels."
        )
    return low, high


def _as_generator(rng):
    if isinstance(rng, np.random.RandomState):
        raise TypeError(
            "rng must be a numpy.random.Generator, a seed or None, not a "
            "RandomState; use np.random.default_rng(seed)."
        )
    return np.random.default_rng(rng)


# ----------------------------------------------------------------------
# Bilinear resampling: a compiled loop or its NumPy twin
# ----------------------------------------------------------------------
def _augment_kernels():
    """The compiled kernel module, or None for the NumPy path.

    Follows the training step's switch (numba installed and working, and
    not turned off by ``SKMNIST_NUMBA=0``).
    """
    if compiled_kernels() is None:
        return None
    from . import _numba_augment

    return _numba_augment


def _warp_numpy(images, rows, cols, fill, low, high):
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


def _grid(h, w, dtype):
    """Row and column indices, shaped to broadcast over (n, h, w)."""
    rows = np.arange(h, dtype=dtype)[None, :, None]
    cols = np.arange(w, dtype=dtype)[None, None, :]
    return rows, cols


# ----------------------------------------------------------------------
# The transforms
# ----------------------------------------------------------------------
class _ImageTransform(BaseEstimator):
    """Checks, shape handling and the identity shortcut every transform shares.

    A subclass defines ``_is_identity()`` and ``_transform(images, rng, low,
    high, fill)``, which gets a (n, height, width) view of the batch and
    returns a new (n, height, width) array.
    """

    _parameter_constraints: dict = dict(_COMMON_CONSTRAINTS)

    def __call__(self, X, rng=None):
        """Return a randomly transformed copy of the image batch ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, height * width)
            Flattened images, float32 or float64; never modified.
        rng : numpy.random.Generator, int or None, default=None
            Source of randomness; a seed or None makes a new Generator.

        Returns
        -------
        X_new : ndarray of the shape and dtype of ``X``
            Transformed images, values within ``[X.min(), X.max()]``.
        """
        self._validate_params()
        X = _check_batch(X)
        h, w = _image_shape(self.image_shape, X.shape[1])
        low, high = _value_range(X)
        if self._is_identity() or X.shape[0] == 0:
            return X.copy()
        images = np.ascontiguousarray(X).reshape(-1, h, w)
        fill = X.dtype.type(np.clip(self.fill, low, high))
        out = self._transform(images, _as_generator(rng), low, high, fill)
        return out.reshape(X.shape)


class RandomShift(_ImageTransform):
    """Translate each image by a random whole number of pixels.

    Each image moves by its own ``(rows, cols)``, both drawn uniformly from
    ``-max_shift .. max_shift``; pixels shifted in from outside take the
    value ``fill``. Whole-pixel moves copy pixels without interpolating, so
    they add no blur.

    Parameters
    ----------
    max_shift : int, default=2
        Largest move in each direction, in pixels; 0 is the identity.
    image_shape : (int, int) or None, default=None
        (height, width) of the images; None infers a square.
    fill : float, default=0.0
        Value of the pixels coming in from outside (the background); clipped
        to the batch's value range.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import RandomShift
    >>> X = np.zeros((1, 9), dtype=np.float32)
    >>> X[0, 4] = 1.0  # the centre of a 3x3 image
    >>> X_new = RandomShift(max_shift=1)(X, np.random.default_rng(0))
    >>> X_new.shape, X_new.dtype, float(X_new.sum())
    ((1, 9), dtype('float32'), 1.0)
    """

    _parameter_constraints: dict = {
        **_ImageTransform._parameter_constraints,
        "max_shift": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, max_shift=2, *, image_shape=None, fill=0.0):
        self.max_shift = max_shift
        self.image_shape = image_shape
        self.fill = fill

    def _is_identity(self):
        return self.max_shift == 0

    def _transform(self, images, rng, low, high, fill):
        n, h, w = images.shape
        m = self.max_shift
        padded = np.full((n, h + 2 * m, w + 2 * m), fill, dtype=images.dtype)
        padded[:, m : m + h, m : m + w] = images
        windows = np.lib.stride_tricks.sliding_window_view(padded, (h, w), axis=(1, 2))
        # windows[i, a, b] is the image seen from (a, b) in the padded frame:
        # starting at m - shift moves the content by +shift.
        starts = m - rng.integers(-m, m, size=(2, n), endpoint=True)
        return windows[np.arange(n), starts[0], starts[1]]


class RandomAffine(_ImageTransform):
    """Rotate, zoom and slant each image by its own random amounts.

    Each image is rotated by an angle drawn uniformly from ``[-degrees,
    degrees]``, zoomed by a factor drawn uniformly from ``scale`` and slanted
    (sheared along its rows) by an angle drawn from ``[-shear, shear]``,
    about its centre, then resampled bilinearly; pixels from outside take
    the value ``fill``.

    Parameters
    ----------
    degrees : float, default=10.0
        Largest rotation, in degrees.
    scale : (float, float), default=(0.9, 1.1)
        Range of the zoom factor; (1, 1) does not zoom.
    shear : float, default=10.0
        Largest slant, in degrees.
    image_shape : (int, int) or None, default=None
        (height, width) of the images; None infers a square.
    fill : float, default=0.0
        Value of the pixels coming in from outside (the background).

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import RandomAffine
    >>> X = np.random.default_rng(0).random((4, 784))
    >>> X_new = RandomAffine(degrees=15)(X, np.random.default_rng(0))
    >>> X_new.shape, bool(X_new.min() >= X.min() and X_new.max() <= X.max())
    ((4, 784), True)
    >>> still = RandomAffine(degrees=0, scale=(1, 1), shear=0)
    >>> bool(np.array_equal(still(X, 0), X))
    True
    """

    _parameter_constraints: dict = {
        **_ImageTransform._parameter_constraints,
        "degrees": [_NON_NEGATIVE],
        "scale": [tuple, list],
        "shear": [Interval(Real, 0, 90, closed="left")],
    }

    def __init__(
        self, degrees=10.0, scale=(0.9, 1.1), shear=10.0, *, image_shape=None, fill=0.0
    ):
        self.degrees = degrees
        self.scale = scale
        self.shear = shear
        self.image_shape = image_shape
        self.fill = fill

    def _scale_range(self):
        scale = tuple(self.scale)
        if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
            raise ValueError(
                f"scale must be (low, high) with 0 < low <= high; got {self.scale!r}."
            )
        return scale

    def _is_identity(self):
        return self.degrees == 0 and self.shear == 0 and self._scale_range() == (1, 1)

    def _transform(self, images, rng, low, high, fill):
        matrices = self._inverse_matrices(images.shape[0], rng, images.dtype)
        kernels = _augment_kernels()
        if kernels is None:
            return _affine_numpy(images, matrices, fill, low, high)
        out = np.empty_like(images)
        kernels.warp_affine(images, matrices, fill, low, high, out)
        return out

    def _inverse_matrices(self, n, rng, dtype):
        """The maps from output to source pixels: (n, 4), m00 m01 m10 m11.

        The forward map zooms by s, slants by phi and rotates by theta. Its
        inverse is ``K(-phi) R(-theta) / s`` (K a slant, R a rotation); the
        angles are symmetric, so drawing ``K(phi) R(theta) / s`` directly has
        the same distribution.
        """
        low, high = self._scale_range()
        theta = np.deg2rad(rng.uniform(-self.degrees, self.degrees, n))
        slant = np.tan(np.deg2rad(rng.uniform(-self.shear, self.shear, n)))
        inverse_zoom = 1 / rng.uniform(low, high, n)
        cos, sin = np.cos(theta) * inverse_zoom, np.sin(theta) * inverse_zoom
        entries = (cos, -sin, slant * cos + sin, cos - slant * sin)
        return np.stack(entries, axis=1).astype(dtype)


def _affine_numpy(images, matrices, fill, low, high):
    """The NumPy twin of ``warp_affine``: the same sums in the same order."""
    n, h, w = images.shape
    dtype = images.dtype.type
    center_row, center_col = dtype((h - 1) / 2), dtype((w - 1) / 2)
    r, c = _grid(h, w, images.dtype)
    r, c = r - center_row, c - center_col
    m00, m01, m10, m11 = (matrices[:, j, None, None] for j in range(4))
    rows = (m00 * r + center_row) + m01 * c
    cols = (m10 * r + center_col) + m11 * c
    return _warp_numpy(images, rows, cols, fill, low, high)


class ElasticDistortion(_ImageTransform):
    """Elastic distortions after Simard, Steinkraus & Platt (ICDAR 2003).

    Every pixel of an image moves by a smooth random displacement: a field
    of independent noise per pixel and direction, smoothed by a Gaussian of
    standard deviation ``sigma`` pixels and multiplied by ``alpha``, then the
    image is resampled bilinearly. Small ``sigma`` gives a rough, random
    field; large ``sigma`` a nearly rigid move; ``alpha`` sets its size.
    The paper's values for 28x28 digits are ``alpha=34, sigma=4``.

    The noise is Gaussian with the variance of the paper's uniform noise on
    [-1, 1], which lets the smoothing be done exactly as a product with the
    few dominant singular vectors of the Gaussian filter (dropping the rest
    changes the field by less than 0.1%): a batch costs about as much as
    one bilinear resampling.

    Parameters
    ----------
    alpha : float, default=34.0
        Scale of the displacements; 0 is the identity.
    sigma : float, default=4.0
        Smoothness: standard deviation of the Gaussian filter, in pixels.
    image_shape : (int, int) or None, default=None
        (height, width) of the images; None infers a square.
    fill : float, default=0.0
        Value of the pixels coming in from outside (the background).

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import ElasticDistortion
    >>> X = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    >>> elastic = ElasticDistortion(alpha=34, sigma=4)
    >>> X_new = elastic(X, np.random.default_rng(1))
    >>> X_new.dtype, bool(np.array_equal(X_new, elastic(X, 1)))
    (dtype('float32'), True)
    """

    _parameter_constraints: dict = {
        **_ImageTransform._parameter_constraints,
        "alpha": [_NON_NEGATIVE],
        "sigma": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, alpha=34.0, sigma=4.0, *, image_shape=None, fill=0.0):
        self.alpha = alpha
        self.sigma = sigma
        self.image_shape = image_shape
        self.fill = fill

    def _is_identity(self):
        return self.alpha == 0

    def _transform(self, images, rng, low, high, fill):
        n, h, w = images.shape
        dtype = images.dtype
        basis_rows = _smoothing_basis(h, float(self.sigma)).astype(dtype)
        basis_cols = _smoothing_basis(w, float(self.sigma)).astype(dtype)
        # The paper's noise is uniform on [-1, 1], whose variance is 1/3.
        noise = rng.standard_normal(
            (2 * n, basis_rows.shape[1], basis_cols.shape[1]), dtype=dtype
        )
        noise *= dtype.type(self.alpha / math.sqrt(3))
        kernels = _augment_kernels()
        if kernels is None:
            fields = _smooth(noise, basis_rows, basis_cols)
            r, c = _grid(h, w, dtype)
            return _warp_numpy(images, fields[:n] + r, fields[n:] + c, fill, low, high)
        out = np.empty_like(images)
        basis_cols_t = np.ascontiguousarray(basis_cols.T)
        kernels.warp_elastic(
            images, noise, basis_rows, basis_cols_t, fill, low, high, out
        )
        return out


@lru_cache(maxsize=16)
def _smoothing_basis(size, sigma):
    """B with ``B @ B.T == G @ G.T`` to 1e-6, G the Gaussian filter matrix.

    Smoothing white noise N along both axes is ``G_r N G_c.T``. With
    ``G = U S V.T`` and N Gaussian, ``V.T N V`` is again white Gaussian
    noise, so ``(U S) Z (U S).T`` with fresh noise Z has exactly the
    smoothed field's distribution; the columns of ``U S`` whose singular
    values are negligible are dropped.
    """
    gaussian = gaussian_filter1d(np.eye(size), sigma, axis=0, mode="reflect")
    left, singular, _ = np.linalg.svd(gaussian)
    energy = np.cumsum(singular[::-1] ** 2)[::-1] / np.sum(singular**2)
    # Keep the leading columns until what is left holds < 1e-6 of the energy.
    keep = max(1, int(np.sum(energy >= 1e-6)))
    basis = left[:, :keep] * singular[:keep]
    basis.setflags(write=False)
    return basis


def _smooth(noise, basis_rows, basis_cols):
    """``basis_rows @ noise[j] @ basis_cols.T`` for every j, as two GEMMs."""
    count, k_rows, k_cols = noise.shape
    # (count * k_rows, k_cols) @ (k_cols, w): every field's right product.
    half = (noise.reshape(-1, k_cols) @ basis_cols.T).reshape(count, k_rows, -1)
    # (h, k_rows) @ (k_rows, count * w), then back to (count, h, w).
    full = basis_rows @ half.transpose(1, 0, 2).reshape(k_rows, -1)
    full = full.reshape(basis_rows.shape[0], count, -1).transpose(1, 0, 2)
    return np.ascontiguousarray(full)


class RandomHorizontalFlip(_ImageTransform):
    """Mirror each image left-right with probability ``p``.

    For images whose mirror image is the same class and could occur as
    such. **Never for digits**: a mirrored 2, 3, 4, 5, 7 or 9 is not that
    digit. Check the data too: in Fashion-MNIST's training set every ankle
    boot and all but 0.3% of the sneakers lie closer to their class's mean
    image than to its mirror (they point one way), so flips show a network
    shoes it will not be tested on; ``benchmarks/bench_augment.py`` measures
    what they do there.

    Parameters
    ----------
    p : float, default=0.5
        Probability of mirroring each image; 0 is the identity.
    image_shape : (int, int) or None, default=None
        (height, width) of the images; None infers a square.
    fill : float, default=0.0
        Unused (a flip moves no pixel out of the image); kept so that every
        transform takes the same arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import RandomHorizontalFlip
    >>> X = np.arange(4.0).reshape(1, 4)  # one 2x2 image: [[0, 1], [2, 3]]
    >>> RandomHorizontalFlip(p=1.0)(X, 0)
    array([[1., 0., 3., 2.]])
    """

    _parameter_constraints: dict = {
        **_ImageTransform._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, p=0.5, *, image_shape=None, fill=0.0):
        self.p = p
        self.image_shape = image_shape
        self.fill = fill

    def _is_identity(self):
        return self.p == 0

    def _transform(self, images, rng, low, high, fill):
        out = images.copy()
        mirrored = rng.random(images.shape[0]) < self.p
        out[mirrored] = images[mirrored, :, ::-1]
        return out


# ----------------------------------------------------------------------
# Several transforms in a row
# ----------------------------------------------------------------------
class Compose(BaseEstimator):
    """Apply several transforms in turn, each to the previous one's output.

    Steps are named as in a :class:`~sklearn.pipeline.Pipeline`, and their
    parameters are reached the same way: ``compose.set_params(shift__max_shift=3)``,
    or ``"clf__augment__shift__max_shift"`` in a grid search over a
    classifier whose ``augment`` is this object. A step set to
    ``"passthrough"`` (or None) is skipped, so a grid can switch it off.

    Parameters
    ----------
    steps : list of (str, transform) tuples
        The transforms, in order: any callable ``(X, rng) -> X_new``, usually
        those of this module.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist.augmentation import Compose, ElasticDistortion, RandomShift
    >>> augment = Compose([("shift", RandomShift(2)), ("elastic", ElasticDistortion())])
    >>> augment.get_params()["shift__max_shift"]
    2
    >>> augment = augment.set_params(elastic="passthrough", shift__max_shift=0)
    >>> X = np.random.default_rng(0).random((3, 784))
    >>> bool(np.array_equal(augment(X, 0), X))
    True
    """

    _parameter_constraints: dict = {"steps": [list]}

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, X, rng=None):
        """Apply each step in turn; see :class:`RandomShift` for the arguments."""
        self._validate_params()
        self._check_steps()
        X = _check_batch(X)
        rng = _as_generator(rng)
        out = None
        for _, step in self._active_steps():
            out = step(X if out is None else out, rng)
        return X.copy() if out is None else out

    def _active_steps(self):
        return [(name, step) for name, step in self.steps if not _skipped(step)]

    def _check_steps(self):
        names = []
        for item in self.steps:
            if not (isinstance(item, tuple) and len(item) == 2):
                raise ValueError(
                    f"Each step must be a (name, transform) tuple; got {item!r}."
                )
            name, step = item
            if not _skipped(step) and not callable(step):
                raise TypeError(
                    f"Step {name!r} is {step!r}, which is not callable; a step "
                    "must be a transform (X, rng) -> X_new or 'passthrough'."
                )
            names.append(name)
        self._check_names(names)

    def _check_names(self, names):
        params = set(self.get_params(deep=False))
        for name in names:
            if not isinstance(name, str) or "__" in name or name in params:
                raise ValueError(
                    f"Step names must be strings without '__' and other than "
                    f"{sorted(params)}; got {name!r}."
                )
        if len(set(names)) != len(names):
            raise ValueError(f"Step names must be unique; got {names}.")

    def get_params(self, deep=True):
        """The parameters; with ``deep``, each step and its own as ``name__param``."""
        params = super().get_params(deep=False)
        if not deep:
            return params
        for name, step in self.steps:
            params[name] = step
            if hasattr(step, "get_params"):
                for key, value in step.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        """Set ``steps``, replace a step by its name, or set ``name__param``."""
        if "steps" in params:
            self.steps = params.pop("steps")
        names = [name for name, _ in self.steps]
        replaced = {key: params.pop(key) for key in list(params) if key in names}
        if replaced:
            self.steps = [(n, replaced.get(n, step)) for n, step in self.steps]
        if params:
            self._set_nested(params, names)
        return self

    def _set_nested(self, params, names):
        by_step = {}
        for key, value in params.items():
            name, _, inner = key.partition("__")
            if name not in names or not inner:
                raise ValueError(
                    f"Invalid parameter {key!r} for {type(self).__name__}: "
                    f"expected 'steps', a step name ({names}) or 'name__param'."
                )
            by_step.setdefault(name, {})[inner] = value
        steps = dict(self.steps)
        for name, inner in by_step.items():
            steps[name].set_params(**inner)


def _skipped(step):
    return step is None or (isinstance(step, str) and step == "passthrough")
