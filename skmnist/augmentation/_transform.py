"""What every image transform shares: the call, its checks, the identity shortcut.

Transforms are called once per training batch, so their parameters are
checked once per parameter set: the values last found valid are remembered
beside the transform (not on it, so that neither ``clone`` nor a pickle
carries them) and checked again only when one changes.
"""

import weakref
from numbers import Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from ._batch import as_generator, check_batch, image_shape_of, value_range

#: A finite number (an interval open at both ends refuses NaN and infinities).
FINITE = Interval(Real, None, None, closed="neither")

#: transform -> snapshot of the parameters it last passed its checks with.
_CHECKED = weakref.WeakKeyDictionary()


def _frozen(value):
    """``value`` with its type, lists and tuples made hashable element-wise.

    The type is kept so that ``2`` and ``2.0`` (equal, but only one of them
    a valid ``max_shift``) are different snapshots.
    """
    if isinstance(value, (list, tuple)):
        return type(value), tuple(_frozen(item) for item in value)
    return type(value), value


def parameters_snapshot(transform):
    """A hashable copy of the transform's attributes, or None if one is not."""
    try:
        snapshot = tuple(
            (name, _frozen(value)) for name, value in sorted(vars(transform).items())
        )
        hash(snapshot)
    except TypeError:  # e.g. an array: check at every call instead
        return None
    return snapshot


class ImageTransform(BaseEstimator):
    """Checks, shape handling and the identity shortcut every transform shares.

    A subclass declares ``_parameter_constraints`` (scikit-learn's, checked
    by ``_validate_params``), may add checks no constraint can express in
    ``_check_more_parameters()`` and checks against the image size in
    ``_check_image_size(height, width)``, and defines ``_is_identity()`` and
    ``_transform(images, rng, low, high, fill)``, which gets a (n, height,
    width) view of the batch and returns a new (n, height, width) array.
    """

    _parameter_constraints: ClassVar[dict] = {
        "image_shape": [tuple, list, None],
        "fill": [FINITE],
    }

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
        self._check_parameters()
        X = check_batch(X)
        h, w = image_shape_of(self.image_shape, X.shape[1])
        self._check_image_size(h, w)
        low, high = value_range(X)
        if self._is_identity() or X.shape[0] == 0:
            return X.copy()
        images = np.ascontiguousarray(X).reshape(-1, h, w)
        fill = X.dtype.type(np.clip(self.fill, low, high))
        out = self._transform(images, as_generator(rng), low, high, fill)
        return out.reshape(X.shape)

    def _check_parameters(self):
        """Validate the parameters, unless these very values passed already."""
        snapshot = parameters_snapshot(self)
        try:
            if snapshot is not None and _CHECKED.get(self) == snapshot:
                return
        except TypeError:  # a subclass defined __eq__ but no __hash__
            snapshot = None
        self._validate_params()
        self._check_more_parameters()
        if snapshot is not None:
            _CHECKED[self] = snapshot

    def _check_more_parameters(self):
        """Checks the constraints cannot express; none by default."""

    def _check_image_size(self, height, width):
        """Checks of the parameters against the image size; none by default."""
