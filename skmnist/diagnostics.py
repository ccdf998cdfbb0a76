"""Checks a user can run on the models: is backprop right?

:func:`gradient_check` compares the gradient the training step computes
with central finite differences of the training objective, parameter block
by parameter block: what the Coursera course's ``checkNNGradients`` and
"Deep Learning from Scratch"'s ``gradient_check`` teach.
"""

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_array, column_or_1d

from ._numerics import softmax_nll_
from ._training import ParameterLayout, data_loss_gradient

__all__ = ["gradient_check"]


def gradient_check(
    estimator,
    X,
    y,
    *,
    sample_weight=None,
    epsilon=1e-4,
    n_checks=None,
    random_state=0,
):
    """Relative error between backprop and finite differences, per parameter block.

    The objective is the one training minimises,
    ``sum_i w_i * nll_i / n + alpha / 2 * ||weights||^2``, evaluated in
    float64 without dropout (dropout makes it random). Each checked
    parameter is perturbed by ``+-epsilon`` in turn: two forward passes
    each, so keep ``X`` small (a few samples, as in the tutorials) and, for
    a large network, check ``n_checks`` entries of each block.

    Parameters
    ----------
    estimator : SoftmaxSGDClassifier or TwoLayerMLPClassifier
        Fitted (its weights are checked) or not (weights are drawn: the
        model's initialisation plus small noise, so that no bias sits at
        zero and no check happens at a symmetric point).
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Labels; for a fitted estimator, among its ``classes_``.
    sample_weight : array-like of shape (n_samples,), default=None
    epsilon : float, default=1e-4
        Finite-difference step, the tutorials' (smaller steps lose more to
        rounding than they gain in truncation).
    n_checks : int or None, default=None
        Entries checked per block, drawn at random; None checks them all.
    random_state : int, default=0
        Seeds the weights of an unfitted estimator and the checked entries.

    Returns
    -------
    errors : dict of str to float
        ``||g - g_fd|| / ||g + g_fd||`` for each parameter block, keyed by the
        fitted attribute that holds it (``"coefs_[0]"``, ``"intercept_"``, ...).
        Correct backprop gives about 1e-9 or less in float64; an error of
        1e-4 or more means a wrong gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from skmnist import TwoLayerMLPClassifier
    >>> from skmnist.diagnostics import gradient_check
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(5, 3)), np.array([0, 1, 2, 0, 1])
    >>> errors = gradient_check(TwoLayerMLPClassifier(n_hidden=5, alpha=1e-3), X, y)
    >>> sorted(errors)
    ['coefs_[0]', 'coefs_[1]', 'intercepts_[0]', 'intercepts_[1]']
    >>> max(errors.values()) < 1e-7
    True
    """
    X = check_array(X, dtype=np.float64)
    y = column_or_1d(y)
    fitted = hasattr(estimator, "classes_")
    classes = estimator.classes_ if fitted else np.unique(y)
    y_encoded = np.searchsorted(classes, y)
    if np.any(y_encoded >= classes.size) or np.any(
        classes[y_encoded % classes.size] != y
    ):
        raise ValueError("y holds labels the estimator was not fitted on.")
    weight = (
        None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    )
    model = clone(estimator)._make_model() if not fitted else estimator._make_model()
    layout = ParameterLayout(*model.layer_shapes(X.shape[1], classes.size))
    params = _parameters(estimator, model, layout, fitted, random_state)

    def objective(flat, with_gradient=False):
        weights, biases = layout.views(flat)
        workspace = model.allocate_workspace(
            X.shape[0], weights, np.float64, training=with_gradient
        )
        penalized = flat[: layout.n_weights]
        penalty = 0.5 * estimator.alpha * penalized @ penalized
        if not with_gradient:  # the loss alone: a forward pass
            nll = softmax_nll_(model.forward(X, weights, biases, workspace), y_encoded)
            summed = nll.sum() if weight is None else nll @ weight
            return summed / X.shape[0] + penalty
        grads = np.zeros_like(flat)
        summed = data_loss_gradient(
            model,
            (weights, biases),
            layout.views(grads),
            X,
            y_encoded,
            weight,
            workspace,
        )
        # The penalty's gradient, which the optimizer adds in training.
        grads[: layout.n_weights] += estimator.alpha * penalized
        return summed / X.shape[0] + penalty, grads

    _, backprop = objective(params, with_gradient=True)
    rng = np.random.default_rng(random_state)
    errors = {}
    blocks = zip(layout.offsets[:-1], layout.offsets[1:])
    for name, (start, stop) in zip(estimator._param_block_names(), blocks):
        entries = np.arange(start, stop)
        if n_checks is not None and n_checks < entries.size:
            entries = np.sort(rng.choice(entries, n_checks, replace=False))
        numerical = _central_differences(objective, params, entries, epsilon)
        errors[name] = _relative_error(backprop[entries], numerical)
    return errors


def _parameters(estimator, model, layout, fitted, random_state):
    if fitted:
        return layout.pack(*estimator._fitted_params(), np.float64)
    rng = np.random.default_rng(random_state)
    params = np.empty(layout.n_params)
    model.initialize(*layout.views(params), rng)
    params += 0.1 * rng.standard_normal(params.size)
    return params


def _central_differences(f, params, entries, epsilon):
    """The derivatives of ``f`` along the parameters ``entries``."""
    numerical = np.empty(entries.size)
    shifted = params.copy()
    for k, i in enumerate(entries):
        shifted[i] = params[i] + epsilon
        upper = f(shifted)
        shifted[i] = params[i] - epsilon
        lower = f(shifted)
        shifted[i] = params[i]
        numerical[k] = (upper - lower) / (2 * epsilon)
    return numerical


def _relative_error(a, b):
    denominator = np.linalg.norm(a + b)
    if denominator == 0:
        return float(np.linalg.norm(a - b))
    return float(np.linalg.norm(a - b) / denominator)
