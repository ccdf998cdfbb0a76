"""Random distortions of image batches, for training on fresh variants.

Each transform is a scikit-learn style object (``get_params``, ``set_params``,
``clone``; its strength is a parameter a grid search can tune) that is
called on a batch of flattened images::

    X_new = transform(X, rng)

``X`` is a dense 2-D float32 or float64 array with one image per row,
flattened row-major (``X[i].reshape(height, width)`` is upright, as the
loaders of :mod:`skmnist.datasets` return them); ``rng`` is a
:class:`numpy.random.Generator` (or a seed). ``X_new`` is a new array of the
same shape and dtype, its values within ``[X.min(), X.max()]`` (finite for
finite ``X``); ``X`` is never modified. At zero strength a transform returns
an exact copy of ``X``, and the same seed gives the same output.

- :class:`RandomShift`: whole-pixel translations.
- :class:`RandomAffine`: small rotations, zooms and slants.
- :class:`ElasticDistortion`: the smooth random displacement fields of
  Simard, Steinkraus & Platt (ICDAR 2003).
- :class:`RandomHorizontalFlip`: mirror images, for clothing; never for
  digits, where a mirrored 2, 3, 4, 5, 7 or 9 is not the same digit.
- :class:`Compose`: several of them in a row, with named steps whose
  parameters are reached as ``name__param``, as in a
  :class:`~sklearn.pipeline.Pipeline`.

Parameters are checked when a transform is called (once per set of values,
not at every batch): a value outside its documented range is a ValueError,
one of the wrong type a TypeError, each naming the parameter and its range.
The ranges keep a call's memory a small multiple of the batch's and its
output finite: no shift by a whole image side or more, rotations up to 360
degrees, zooms from 0.01 to 100, finite ``fill``.

Resampling is bilinear and vectorised over the batch; with numba installed
(``pip install "skmnist[fast]"``) it runs as one compiled loop, otherwise in
NumPy with the same results up to rounding (``SKMNIST_NUMBA=0`` forces the
NumPy path, as for training).
"""

from ._compose import Compose
from ._elastic import ElasticDistortion
from ._geometric import RandomAffine, RandomHorizontalFlip, RandomShift

__all__ = [
    "Compose",
    "ElasticDistortion",
    "RandomAffine",
    "RandomHorizontalFlip",
    "RandomShift",
]

# Pickles (and skops files) name the public module, which stays put however
# the private modules are arranged.
for _public in (
    Compose,
    ElasticDistortion,
    RandomAffine,
    RandomHorizontalFlip,
    RandomShift,
):
    _public.__module__ = __name__
del _public
