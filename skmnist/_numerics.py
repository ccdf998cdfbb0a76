"""Numerically careful primitives shared by every model.

Everything here works in place on preallocated arrays where it can, so the
training loop allocates nothing large per minibatch.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from ._compiled import compiled_kernels


def matmul(a, b, out):
    """Write ``a @ b`` into ``out``; either factor may be a sparse matrix."""
    if sp.issparse(a):
        np.copyto(out, a @ b)
    elif sp.issparse(b):
        # sparse @ dense is what scipy does well: (b.T @ a.T).T
        np.copyto(out, (b.T @ a.T).T)
    else:
        np.matmul(a, b, out=out)
    return out


def axpy(x, y, a, scratch):
    """In-place ``y += a * x``, using ``scratch`` (shaped like ``x``) for ``a * x``.

    NumPy ufuncs rather than BLAS ``axpy`` on purpose: OpenBLAS threads
    level-1 routines, and its spinning threads slow these short vector
    updates down many times over as soon as another process wants a core.
    """
    a = y.dtype.type(a)
    kernels = compiled_kernels()
    if kernels is not None:
        kernels.add_scaled(y, x, a)
        return y
    np.multiply(x, a, out=scratch)
    np.add(y, scratch, out=y)
    return y


def softmax_nll_(logits, y, label_entries=None):
    """Turn ``logits`` into probabilities in place; return the per-row NLL.

    The maximum of each row is subtracted first (log-sum-exp), so large
    logits neither overflow nor lose the label's log-probability to rounding.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
        Overwritten with the softmax probabilities.
    y : ndarray of shape (n_samples,)
        Column index of each row's label.
    label_entries : tuple of two ndarrays, default=None
        ``(np.arange(n_samples), y)``, if the caller keeps one at hand.

    Returns
    -------
    nll : ndarray of shape (n_samples,)
        ``-log p(y_i | x_i)`` for each row.
    """
    logits -= logits.max(axis=1, keepdims=True)
    if label_entries is None:
        label_entries = (np.arange(logits.shape[0]), y)
    label_logit = logits[label_entries]
    np.exp(logits, out=logits)
    normalizer = logits.sum(axis=1)
    logits /= normalizer[:, np.newaxis]
    nll = np.log(normalizer)
    nll -= label_logit
    return nll


def _check_bias(bias, z):
    """The compiled loops index ``bias[j]`` for every column of ``z``."""
    if bias.shape != (z.shape[1],) or z.shape[0] and z.ndim != 2:
        raise ValueError(
            f"a bias of shape {bias.shape} does not fit a layer of shape {z.shape}"
        )


def _check_labels(logits, y, sample_weight, labels_in_range=False):
    """The compiled loss indexes ``y[i]``, ``sample_weight[i]`` and ``logits[i, y[i]]``.

    ``labels_in_range``: the caller checked the range of every label once
    (a training call checks its labels before the first batch), so the two
    reductions per batch are skipped.
    """
    n_rows, n_classes = logits.shape
    if y.shape != (n_rows,) or (
        sample_weight is not None and sample_weight.shape != (n_rows,)
    ):
        raise ValueError(
            f"labels {y.shape} and weights do not match the {n_rows} rows of logits"
        )
    if not labels_in_range:
        check_label_range(y, n_classes)


def check_label_range(y, n_classes):
    """Every encoded label must index a class (the compiled loss trusts it)."""
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"encoded labels must lie in [0, {n_classes})")


def column_sums(a, out):
    """Write the column sums of the 2-D array ``a`` into ``out``."""
    kernels = compiled_kernels()
    if kernels is not None:
        _check_bias(out, a)
        kernels.column_sums(a, out)
        return out
    return np.sum(a, axis=0, out=out)


def softmax_cross_entropy_grad_(logits, y, sample_weight, scale, labels_in_range=False):
    """Turn ``logits`` into the gradient of the weighted NLL; return that NLL.

    The loss is ``sum_i w_i * nll_i`` (``w_i = 1`` when ``sample_weight`` is
    None); ``logits`` is overwritten with ``scale`` times its gradient,
    ``scale * w_i * (softmax(logits_i) - onehot(y_i))``. ``labels_in_range``
    says the caller has checked that ``0 <= y < n_classes``.
    """
    _check_labels(logits, y, sample_weight, labels_in_range)
    kernels = compiled_kernels()
    if kernels is not None:
        as_dtype = logits.dtype.type
        return float(
            kernels.softmax_cross_entropy(logits, y, sample_weight, as_dtype(scale))
        )
    label_entries = (np.arange(y.shape[0]), y)
    nll = softmax_nll_(logits, y, label_entries)
    logits[label_entries] -= 1
    if sample_weight is None:
        logits *= scale
        return float(nll.sum())
    logits *= (sample_weight * scale)[:, np.newaxis]
    return float(nll @ sample_weight)


def dropout_(uniform, row_of, keep_prob, hidden, multipliers, kept):
    """Inverted dropout of ``hidden`` into ``kept``, driven by ``uniform`` draws.

    Row ``i`` of ``hidden`` uses the draws ``uniform[row_of[i]]``: a unit is
    kept where its draw is below ``keep_prob``, and then scaled by
    ``1 / keep_prob``. ``multipliers`` receives the factors (0 or the scale).
    """
    as_dtype = hidden.dtype.type
    # The draws are float32 whatever the data's dtype, and so is the threshold
    # they are compared with: float32 and float64 fits drop the same units.
    keep_prob, scale = np.float32(keep_prob), as_dtype(1.0 / keep_prob)
    kernels = compiled_kernels()
    if kernels is not None:
        if (
            multipliers.shape != hidden.shape
            or kept.shape != hidden.shape
            or row_of.shape != (hidden.shape[0],)
            or uniform.shape[1] != hidden.shape[1]
            or (row_of.size and not 0 <= row_of.min() <= row_of.max() < len(uniform))
        ):
            raise ValueError("dropout draws do not match the hidden layer")
        kernels.dropout(uniform, row_of, keep_prob, scale, hidden, multipliers, kept)
        return kept
    if uniform.dtype == multipliers.dtype:
        np.take(uniform, row_of, axis=0, out=multipliers)
    else:  # float32 draws for float64 data: take() cannot cast on the way
        np.copyto(multipliers, uniform[row_of])
    np.less(multipliers, keep_prob, out=multipliers)
    multipliers *= scale
    return np.multiply(hidden, multipliers, out=kept)


def softmax(logits, out=None):
    """Row-wise softmax of ``logits`` (into ``out``, which may be ``logits``)."""
    proba = np.subtract(logits, logits.max(axis=1, keepdims=True), out=out)
    np.exp(proba, out=proba)
    proba /= proba.sum(axis=1, keepdims=True)
    return proba


def log_softmax(logits, out=None):
    """Row-wise log-softmax of ``logits`` (log-sum-exp; ``out`` as for softmax)."""
    shifted = np.subtract(logits, logits.max(axis=1, keepdims=True), out=out)
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def _relu_(z):
    np.maximum(z, 0, out=z)


def _relu_backward_(h, grad, scratch):
    np.greater(h, 0, out=scratch)
    grad *= scratch


#: The slope of leaky ReLU below zero (as in Maas et al., 2013).
LEAKY_SLOPE = 0.01


def _leaky_relu_(z):
    # max(z, slope * z) for slope < 1, in the data's dtype.
    np.maximum(z, z * z.dtype.type(LEAKY_SLOPE), out=z)


def _leaky_relu_backward_(h, grad, scratch):
    # The output has the input's sign: slope 1 above zero, LEAKY_SLOPE below.
    np.greater(h, 0, out=scratch)
    np.maximum(scratch, h.dtype.type(LEAKY_SLOPE), out=scratch)
    grad *= scratch


def _logistic_(z):
    # scipy's expit never overflows, unlike 1 / (1 + exp(-z)) for z << 0.
    expit(z, out=z)


def _logistic_backward_(h, grad, scratch):
    np.subtract(1, h, out=scratch)
    scratch *= h
    grad *= scratch


def _tanh_(z):
    np.tanh(z, out=z)


def _tanh_backward_(h, grad, scratch):
    np.multiply(h, h, out=scratch)
    np.subtract(1, scratch, out=scratch)
    grad *= scratch


def _identity_(z):
    pass


def _identity_backward_(h, grad, scratch):
    pass


def bias_activation_(name, z, bias):
    """``z = activation(z + bias)`` in place, for the activation called ``name``."""
    kernels = compiled_kernels()
    if kernels is not None:
        as_dtype = z.dtype.type
        _check_bias(bias, z)
        kernels.ACTIVATIONS[name][0](z, bias, as_dtype(1), as_dtype(LEAKY_SLOPE))
        return z
    z += bias
    ACTIVATIONS[name][0](z)
    return z


def activation_backward_(name, h, grad, scratch, multipliers, bias_grad):
    """Backprop through the activation: ``grad`` in place, then its column sums.

    ``grad`` is multiplied by ``multipliers`` (dropout's factors, or None) and
    by the activation's slope, read off its output ``h``; ``bias_grad``
    receives the column sums of the result.
    """
    kernels = compiled_kernels()
    if kernels is not None:
        backward = kernels.ACTIVATIONS[name][1]
        _check_bias(bias_grad, grad)
        if multipliers is not None and multipliers.shape != grad.shape:
            raise ValueError("dropout multipliers do not match the hidden layer")
        as_dtype = h.dtype.type
        backward(h, grad, multipliers, bias_grad, as_dtype(1), as_dtype(LEAKY_SLOPE))
        return grad
    if multipliers is not None:
        grad *= multipliers
    ACTIVATIONS[name][1](h, grad, scratch)
    column_sums(grad, bias_grad)
    return grad


#: name -> (activation in place, backward in place from the activation's
#: output, the initialisation its layer gets: "he" (He et al., 2015) or
#: "glorot" (Glorot & Bengio, 2010) with its gain). The compiled twins are in
#: ``_numba_kernels.ACTIVATIONS``, the ONNX operators in ``onnx._ACTIVATION_OPS``.
ACTIVATIONS = {
    "relu": (_relu_, _relu_backward_, ("he", 1.0)),
    "leaky_relu": (_leaky_relu_, _leaky_relu_backward_, ("he", 1.0)),
    # Glorot's factor 4 for the sigmoid, whose slope at 0 is 1/4.
    "logistic": (_logistic_, _logistic_backward_, ("glorot", 4.0)),
    "tanh": (_tanh_, _tanh_backward_, ("glorot", 1.0)),
    "identity": (_identity_, _identity_backward_, ("glorot", 1.0)),
}
