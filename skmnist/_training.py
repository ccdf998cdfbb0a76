"""The pieces the trainer is built from.

The flat parameter layout, the training arrays, dropout noise, scoring a
solution on a data set, the divergence limit and the data's scale.
"""

import numpy as np
import scipy.sparse as sp

from ._numerics import dropout_, softmax_cross_entropy_grad_, softmax_nll_

#: Rows scored at a time, to bound the memory of a full pass.
EVALUATION_CHUNK = 4096


class ParameterLayout:
    """Where each weight and bias array sits in the flat parameter vector."""

    def __init__(self, weight_shapes, bias_shapes):
        self.shapes = [tuple(s) for s in (*weight_shapes, *bias_shapes)]
        # The last bias feeds the softmax: one entry per class.
        self.n_classes = self.shapes[-1][0]
        self.n_layers = len(weight_shapes)
        sizes = [int(np.prod(shape)) for shape in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.n_weights = int(sum(sizes[: self.n_layers]))
        self.n_params = int(self.offsets[-1])

    def views(self, flat):
        """Return ``(weights, biases)``: lists of views into ``flat``."""
        arrays = [
            flat[start:stop].reshape(shape)
            for start, stop, shape in zip(
                self.offsets[:-1], self.offsets[1:], self.shapes
            )
        ]
        return arrays[: self.n_layers], arrays[self.n_layers :]

    def pack(self, weights, biases, dtype):
        """Copy arrays shaped like :meth:`views` into a new flat vector."""
        arrays = [*weights, *biases]
        if [np.shape(a) for a in arrays] != self.shapes:
            return None
        return np.concatenate([np.ravel(a) for a in arrays]).astype(dtype, copy=False)


class DropoutNoise:
    """Draws dropout masks, one per group of identical samples in a batch.

    Sharing a mask between identical samples makes a sample of integer weight
    ``k`` train exactly like ``k`` copies of it. The draws are float32 for
    every data type, so that float32 and float64 fits drop the same units.
    """

    def __init__(self, rng, groups, keep_prob):
        self.rng = rng
        self.groups = groups
        self.keep_prob = keep_prob

    def for_batch(self, rows):
        """The noise of the minibatch made of ``rows``."""
        return BatchDropout(self.rng, self.groups[rows], self.keep_prob)


class BatchDropout:
    """Dropout masks for one minibatch, whose samples belong to ``groups``."""

    def __init__(self, rng, groups, keep_prob):
        self.rng = rng
        self.groups = groups
        self.keep_prob = keep_prob

    def drop_out(self, hidden, multipliers, kept):
        """Write ``hidden`` with units dropped and survivors scaled into ``kept``.

        ``multipliers`` receives what each unit was multiplied by: 0 when
        dropped, ``1 / keep_prob`` when kept (backprop needs it).
        """
        unique_groups, row_of_group = np.unique(self.groups, return_inverse=True)
        uniform = self.rng.random(
            (unique_groups.size, hidden.shape[1]), dtype=np.float32
        )
        dropout_(
            uniform, row_of_group.ravel(), self.keep_prob, hidden, multipliers, kept
        )
        return kept


class TrainingData:
    """Training arrays after validation, weighting and encoding."""

    def __init__(self, X, y, sample_weight, groups=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.groups = groups

    @property
    def n_samples(self):
        return self.X.shape[0]

    def subset(self, mask):
        def pick(a):
            return None if a is None else a[mask]

        return TrainingData(
            pick(self.X), pick(self.y), pick(self.sample_weight), pick(self.groups)
        )


def data_loss_gradient(
    model, param_views, grad_views, X, y, sample_weight, workspace, noise=None
):
    """Write the gradient of the data term into ``grad_views``; return its loss.

    The data term of a batch is ``sum_i w_i * nll_i / n_rows`` (``w_i = 1``
    when ``sample_weight`` is None), so that weights scale the step; the
    returned loss is the unscaled ``sum_i w_i * nll_i``. The L2 penalty's
    gradient is not included: the optimizer adds it in its own pass.
    ``param_views`` and ``grad_views`` are ``(weights, biases)`` pairs of
    views (:meth:`ParameterLayout.views`).
    """
    weights, biases = param_views
    logits = model.forward(X, weights, biases, workspace, noise)
    loss = softmax_cross_entropy_grad_(logits, y, sample_weight, 1.0 / y.shape[0])
    model.backward(X, weights, workspace, logits, *grad_views)
    return loss


def scaled_weights(weight):
    """Float64 weights scaled exactly to a largest in [0.5, 1), or None if all equal.

    Applied before anything adds the weights up (the stratified split, the
    validation scores): sums of weights near 1e308 overflow. Scaling by a
    power of two is exact, so weights rescaled by any power of two split and
    train bit for bit alike, and equal weights of any size are the unweighted
    fit itself.
    """
    if weight is None or np.all(weight == weight[0]):
        return None
    _, exponent = np.frexp(weight.max())
    scaled = np.ldexp(weight, -exponent)
    if np.any(scaled[weight > 0] == 0):
        raise ValueError(
            f"The sample weights span more than float64 can hold (from "
            f"{weight[weight > 0].min():g} to {weight.max():g}): the smallest "
            "would round to 0. Raise the smallest weights, or set them to 0 to "
            "drop those samples."
        )
    return scaled


def training_weights(weight, dtype, normalize):
    """Weights as the training step uses them: in the data's dtype, or None.

    None stands for equal weights (the fast path). ``normalize`` scales them
    to mean 1 first, in float64, so that a uniform rescaling of the weights
    changes nothing; ``partial_fit`` keeps them as given, since each call
    sees one chunk and rescaling chunks separately would lose their relative
    weight.
    """
    if weight is None:
        return None
    if np.all(weight == weight[0]) and (normalize or weight[0] == 1):
        return None
    if normalize:
        # Divided by the largest first: the mean of weights near 1e308 overflows.
        weight = weight / weight.max()
        weight /= weight.mean()
    cast = weight.astype(dtype, copy=False)
    if not np.all(np.isfinite(cast)) or np.any(cast[weight > 0] == 0):
        smallest = weight[weight > 0].min() / weight.max()
        raise ValueError(
            f"The sample weights span more than {np.dtype(dtype).name} can hold "
            f"(the smallest is {smallest:g} times the largest) and would round "
            "to 0 or overflow. Raise the smallest weights (or set them to 0 to "
            "drop those samples), or train on float64 data."
        )
    return cast


def logits_in_chunks(model, X, weights, biases, dtype):
    """Yield ``(rows, logits)`` over ``X``, at most ``EVALUATION_CHUNK`` rows at a time.

    One forward workspace serves every chunk, so memory stays bounded however
    many rows there are; each ``logits`` is overwritten by the next chunk.
    """
    n_rows = X.shape[0]
    workspace = model.allocate_workspace(min(n_rows, EVALUATION_CHUNK), weights, dtype)
    for start in range(0, n_rows, EVALUATION_CHUNK):
        rows = slice(start, start + EVALUATION_CHUNK)
        yield rows, model.forward(X[rows], weights, biases, workspace)


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
        weights, biases = self.layout.views(params)
        X, y = self.data.X, self.data.y
        chunks = logits_in_chunks(self.model, X, weights, biases, params.dtype)
        for rows, logits in chunks:
            self._correct[rows] = logits.argmax(axis=1) == y[rows]
            self._nll[rows] = softmax_nll_(logits, y[rows])
        weight = self.data.sample_weight
        loss = float(np.average(self._nll, weights=weight))
        return loss, float(np.average(self._correct, weights=weight))


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
    values = X.data if sp.issparse(X) else X
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    if scale == 0.0:
        return 1.0
    if sp.issparse(X):
        scaled = X.astype(np.float64) / scale
        squared_norms = np.asarray(scaled.multiply(scaled).sum(axis=1)).ravel()
    else:
        squared_norms = np.empty(X.shape[0])
        for start in range(0, X.shape[0], EVALUATION_CHUNK):
            block = X[start : start + EVALUATION_CHUNK].astype(np.float64) / scale
            squared_norms[start : start + EVALUATION_CHUNK] = np.einsum(
                "ij,ij->i", block, block
            )
    mean = float(np.average(squared_norms, weights=sample_weight))
    with np.errstate(over="ignore"):
        return mean * scale * scale + 1.0
