"""Checks a user can run on the models: is backprop right?

:func:`gradient_check` compares the gradient the training step computes
with central finite differences of the training objective, parameter block
by parameter block: what the Coursera course's ``checkNNGradients`` and
"Deep Learning from Scratch"'s ``gradient_check`` teach.
"""

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_X_y

from ._data import encode_labels, validate_sample_weight
from ._fitted import ParameterLayout
from ._numerics import softmax_nll_
from ._step import data_loss_gradient

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
    model, layout, classes, params = _network_to_check(estimator, X, y, random_state)
    X, y = check_X_y(X, y, dtype=np.float64)
    if (
        X.shape[1]
        != layout.shapes[0][0 if model.spec_type == "one_hidden_layer" else 1]
    ):
        raise ValueError(
            f"X has {X.shape[1]} features, but the network has "
            f"{layout.shapes[0]} input weights: give rows of the training width."
        )
    y_encoded = encode_labels(y, classes, source="gradient_check's y")
    weight = None
    if sample_weight is not None:
        weight = validate_sample_weight(sample_weight, X)
    alpha = estimator.alpha

    def objective(flat, with_gradient=False):
        weights, biases = layout.views(flat)
        workspace = model.allocate_workspace(
            X.shape[0], weights, np.float64, training=with_gradient
        )
        penalty = layout.penalty(flat, alpha)
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
        layout.add_penalty_gradient(flat, grads, alpha)
        return summed / X.shape[0] + penalty, grads

    _, backprop = objective(params, with_gradient=True)
    rng = np.random.default_rng(random_state)
    errors = {}
    for name, (start, stop) in zip(model.block_names, layout.blocks()):
        entries = np.arange(start, stop)
        if n_checks is not None and n_checks < entries.size:
            entries = np.sort(rng.choice(entries, n_checks, replace=False))
        numerical = _central_differences(objective, params, entries, epsilon)
        errors[name] = _relative_error(backprop[entries], numerical)
    return errors


def _network_to_check(estimator, X, y, random_state):
    """``(model, layout, classes, float64 params)`` of the network to check.

    A fitted estimator's trained network (whatever ``set_params`` changed
    since, as ``predict`` uses it); for an unfitted one, the network its
    parameters describe, with drawn weights.
    """
    if hasattr(estimator, "_network"):
        network = estimator._trained_network()
        return (
            network.model,
            network.layout,
            network.classes,
            network.solution.astype(np.float64),
        )
    estimator = clone(estimator)
    estimator._validate_params()
    model = estimator._model_class(**estimator._architecture())
    _, y = check_X_y(X, y, dtype=None)
    classes = np.unique(y)
    X_width = np.shape(X)[1]
    layout = ParameterLayout(*model.layer_shapes(X_width, classes.size))
    rng = np.random.default_rng(random_state)
    params = np.empty(layout.n_params)
    model.initialize(*layout.views(params), rng)
    params += 0.1 * rng.standard_normal(params.size)
    return model, layout, classes, params


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
