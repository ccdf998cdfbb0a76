"""The one-line plan printed before training, with a rough time estimate.

The estimate counts the multiply-adds of an epoch (forward and backward
passes over the training split) for each model, times the epochs such a fit
usually takes, and divides by the speed of a matrix product measured on the
spot (so it follows the machine, its load and the thread limit). The
factors below were fitted to runs of every model on the embedded sample;
the result is meant to tell seconds from minutes, no more.
"""

import time

import numpy as np

from ._contenders import MODELS

# Measured epoch time / (6 * rows * weights / matmul speed), by library: small
# products and per-batch bookkeeping cost more than their multiply-adds.
_OVERHEAD = {"skmnist": 1.5, "scikit-learn": 2.0}
_LBFGS_OVERHEAD = 2.5  # LogisticRegression: per lbfgs iteration, full batch


def matmul_flops_per_second():
    """Float32 multiply-adds per second of a 200 x 784 x 256 product, twice."""
    rng = np.random.default_rng(0)
    a = rng.random((200, 784), dtype=np.float32)
    b = rng.random((784, 256), dtype=np.float32)
    a @ b  # first call: threads start, memory is touched
    repeats = 8
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    elapsed = max(time.perf_counter() - start, 1e-6)
    return repeats * 2 * a.shape[0] * a.shape[1] * b.shape[1] / elapsed


def _n_weights(estimator, n_features, n_classes):
    hidden = getattr(estimator, "hidden_layer_sizes", None)
    if hidden is None:
        n_hidden = getattr(estimator, "n_hidden", None)
        hidden = () if n_hidden is None else (n_hidden,)
    sizes = [n_features, *hidden, n_classes]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def _epochs(spec, estimator):
    max_iter = estimator.get_params()["max_iter"]
    return min(max_iter, spec.typical_epochs), max_iter


def estimate_seconds(evaluation, model_keys, *, max_iter, n_hidden, random_state):
    """``(typical, worst)`` seconds of training for ``model_keys``.

    ``worst`` assumes every model runs all its ``max_iter`` epochs.
    """
    X_train, y_train, _ = evaluation.splits[0]
    n_rows, n_features = X_train.shape
    n_classes = int(np.unique(y_train).size)
    speed = matmul_flops_per_second()
    typical = worst = 0.0
    for key in model_keys:
        spec = MODELS[key]
        estimator = spec.build(
            max_iter=max_iter,
            n_hidden=n_hidden,
            random_state=random_state,
            n_train=n_rows,
        )
        flops = 6 * n_rows * _n_weights(estimator, n_features, n_classes)
        factor = _OVERHEAD[spec.library] if spec.counts_epochs else _LBFGS_OVERHEAD
        per_epoch = factor * flops / speed
        usual, most = _epochs(spec, estimator)
        typical += per_epoch * usual * evaluation.n_splits
        worst += per_epoch * most * evaluation.n_splits
    return typical, worst


def _round_seconds(seconds):
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _models_phrase(model_keys):
    """ "softmax/sklearn-softmax and mlp/sklearn-mlp pairs, mlp-fast race"."""
    keys = list(model_keys)
    pairs = [f"{key}/{MODELS[key].peer}" for key in keys if MODELS[key].peer in keys]
    paired = {k for pair in pairs for k in pair.split("/")}
    races = [key for key in keys if MODELS[key].race_target is not None]
    others = [key for key in keys if key not in paired and key not in races]
    parts = []
    if pairs:
        parts.append(f"{' and '.join(pairs)} pair{'s' if len(pairs) > 1 else ''}")
    parts += [f"{key} racing to {MODELS[key].race_target}'s accuracy" for key in races]
    if others:
        parts.append(", ".join(others))
    return "; ".join(parts)


def plan_line(dataset, evaluation, model_keys, *, max_iter, n_hidden, random_state):
    """One line: the models, the data and its sizes, the protocol, rough time."""
    typical, worst = estimate_seconds(
        evaluation,
        model_keys,
        max_iter=max_iter,
        n_hidden=n_hidden,
        random_state=random_state,
    )
    n_train = evaluation.splits[0][1].shape[0]
    height, width = dataset.image_shape
    return (
        f"plan: {_models_phrase(model_keys)} | {dataset.name}, {n_train} "
        f"training images of {height}x{width}, {evaluation.short_description} | "
        f"about {_round_seconds(typical)} (at most {_round_seconds(worst)})"
    )
