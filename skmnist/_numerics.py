"""Numerically careful primitives shared by every model.

Everything here works in place on preallocated arrays where it can, so the
training loop allocates nothing large per minibatch.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit


def matmul(a, b, out):
    """Write ``a @ b`` into ``out``; ``a`` may be a sparse matrix."""
    if sp.issparse(a):
        np.copyto(out, a @ b)
    else:
        np.matmul(a, b, out=out)
    return out


def axpy(x, y, a, scratch):
    """In-place ``y += a * x``, using ``scratch`` (shaped like ``x``) for ``a * x``.

    NumPy ufuncs rather than BLAS ``axpy`` on purpose: OpenBLAS threads
    level-1 routines, and its spinning threads slow these short vector
    updates down many times over as soon as another process wants a core.
    """
    np.multiply(x, y.dtype.type(a), out=scratch)
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


#: name -> (activation in place, backward in place from the activation's output)
ACTIVATIONS = {
    "relu": (_relu_, _relu_backward_),
    "logistic": (_logistic_, _logistic_backward_),
    "tanh": (_tanh_, _tanh_backward_),
    "identity": (_identity_, _identity_backward_),
}
