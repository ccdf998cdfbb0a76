"""Scoring a solution on a data set, and the numbers a fit is judged by.

The mean loss and accuracy of a flat solution (:class:`Evaluator`), the
training loss above which a run has diverged, and the data's scale that
``learning_rate_init="auto"`` reads.
"""

import numpy as np
import scipy.sparse as sp

from ._fitted import EVALUATION_CHUNK, logits_in_chunks
from ._numerics import softmax_nll_


class Evaluator:
    """Mean loss and accuracy of a solution on one fixed data set.

    Parameters
    ----------
    model : SoftmaxModel or OneHiddenLayerModel
        Supplies the forward pass.
    layout : ParameterLayout
        How to read a flat parameter vector.
    data : TrainingData
        The data to score (its ``sample_weight`` weights the means).
    params : ndarray
        A flat parameter vector of the model (for shapes and dtype).
    """

    def __init__(self, model, layout, data, params):
        self.model = model
        self.layout = layout
        self.data = data
        dtype = params.dtype
        self._nll = np.empty(data.n_samples, dtype=dtype)
        self._correct = np.empty(data.n_samples, dtype=bool)

    def __call__(self, params):
        """Return ``(mean cross-entropy, accuracy)`` of ``params``."""
        self._score(params)
        weight = self.data.sample_weight
        loss = float(np.average(self._nll, weights=weight))
        return loss, float(np.average(self._correct, weights=weight))

    def _score(self, params):
        """Fill the per-row negative log-likelihoods and hits of ``params``."""
        weights, biases = self.layout.views(params)
        X, y = self.data.X, self.data.y
        chunks = logits_in_chunks(self.model, X, weights, biases, params.dtype)
        for rows, logits in chunks:
            self._correct[rows] = logits.argmax(axis=1) == y[rows]
            self._nll[rows] = softmax_nll_(logits, y[rows])


def divergence_limit(initial_loss, n_classes):
    """A training loss above this means the run diverged.

    A hundred times what the run started from, or than the uniform guess
    (``log(n_classes)``), is more than any descent can explain.
    """
    if not np.isfinite(initial_loss):
        return -np.inf
    return 100.0 * max(initial_loss, np.log(n_classes))


def mean_squared_norm(X, sample_weight=None):
    """Weighted mean of ``||x||^2 + 1`` (the 1 for the intercept) over rows.

    Computed in float64 on features divided by their largest magnitude, so
    that squaring cannot overflow; the result is inf only when the mean
    itself exceeds float64's range.
    """
    scale = _largest_magnitude(X.data if sp.issparse(X) else X)
    if scale == 0.0:
        return 1.0
    if sp.issparse(X):
        scaled = X.astype(np.float64) / scale
        squared_norms = np.asarray(scaled.multiply(scaled).sum(axis=1)).ravel()
    else:
        squared_norms = np.empty(X.shape[0])
        # One float64 buffer in X's own memory order (einsum's order of
        # summation follows it); a fresh 25 MB array per chunk costs page
        # faults. dtype=float64: the division itself in float64.
        order = "F" if abs(X.strides[0]) < abs(X.strides[1]) else "C"
        buffer = np.empty((min(EVALUATION_CHUNK, X.shape[0]), X.shape[1]), order=order)
        for start in range(0, X.shape[0], EVALUATION_CHUNK):
            rows = X[start : start + EVALUATION_CHUNK]
            out = buffer if rows.shape[0] == buffer.shape[0] else None
            block = np.divide(rows, scale, out=out, dtype=np.float64)
            squared_norms[start : start + EVALUATION_CHUNK] = np.einsum(
                "ij,ij->i", block, block
            )
    mean = float(np.average(squared_norms, weights=sample_weight))
    with np.errstate(over="ignore"):
        return mean * scale * scale + 1.0


def _largest_magnitude(values):
    """``max |v|`` over ``values``, without the full-size temporary of
    ``np.abs`` (376 MB for full MNIST in float64)."""
    if not values.size:
        return 0.0
    return max(float(values.max()), -float(values.min()))
