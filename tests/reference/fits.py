"""The configurations whose fitted weights are pinned by ``reference_fits.npz``.

``python -m tests.reference.fits`` (from the repository root) rewrites the
file; do that only when a change is meant to move results, and say which in
CHANGES.md. ``tests/test_reference_fits.py`` compares every fit with it, bit
for bit, on the compiled and the NumPy kernel paths.
"""

import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist._compiled import compiled_kernels, numpy_kernels
from skmnist.augmentation import ElasticDistortion, RandomShift

PATH = Path(__file__).with_name("reference_fits.npz")


def _data(dtype=np.float64):
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16).astype(dtype), y[:400]


def _mlp(**params):
    return TwoLayerMLPClassifier(**{"n_hidden": 16, "random_state": 0, **params})


def _soft(**params):
    return SoftmaxSGDClassifier(**{"random_state": 0, **params})


def _fit(est, dtype=np.float64, **fit_params):
    X, y = _data(dtype)
    yield est.fit(X, y, **fit_params)


def _resumed(est, n_more=2):
    X, y = _data()
    yield est.fit(X, y)
    for _ in range(n_more):
        yield est.partial_fit(X, y)


def _warm(est):
    X, y = _data()
    yield est.fit(X, y)
    est.set_params(warm_start=True, max_iter=3)
    yield est.fit(X, y)


def _incremental(est):
    X, y = _data()
    yield est.partial_fit(X[:200], y[:200], classes=np.arange(10))
    yield est.partial_fit(X[200:], y[200:])


def _weighted(est):
    X, y = _data()
    weight = np.random.default_rng(0).uniform(0.1, 3, size=len(y))
    yield est.fit(X, y, sample_weight=weight)


def _own_validation(est):
    X, y = _data()
    Xv, yv = load_digits(return_X_y=True)
    yield est.fit(X, y, X_val=Xv[1500:] / 16, y_val=yv[1500:])


CONFIGURATIONS = {
    "softmax_default": lambda: _fit(_soft(max_iter=8)),
    "softmax_adam_invscaling": lambda: _fit(
        _soft(solver="adam", learning_rate="invscaling", max_iter=6, average=False)
    ),
    "softmax_float32_early": lambda: _fit(
        _soft(early_stopping=True, max_iter=20), np.float32
    ),
    "softmax_patience": lambda: _fit(
        _soft(early_stopping=True, patience=20, validation_frequency=4, max_iter=30)
    ),
    "mlp_adam_dropout": lambda: _fit(_mlp(dropout=0.3, max_iter=6)),
    "mlp_sgd_adaptive_average": lambda: _fit(
        _mlp(
            solver="sgd",
            learning_rate="adaptive",
            learning_rate_init=0.05,
            average=800,
            max_iter=15,
            n_iter_no_change=1,
            tol=0.05,
        )
    ),
    "mlp_tanh_early_accuracy": lambda: _fit(
        _mlp(activation="tanh", early_stopping=True, monitor="accuracy", max_iter=15)
    ),
    "mlp_logistic_balanced": lambda: _fit(
        _mlp(activation="logistic", class_weight="balanced", max_iter=5)
    ),
    "mlp_float32_average": lambda: _fit(_mlp(average=True, max_iter=5), np.float32),
    "mlp_weighted": lambda: _weighted(_mlp(max_iter=4)),
    "mlp_own_validation": lambda: _own_validation(
        _mlp(early_stopping=True, max_iter=12)
    ),
    "mlp_resumed": lambda: _resumed(_mlp(max_iter=3, dropout=0.2, average=True)),
    "softmax_resumed": lambda: _resumed(_soft(max_iter=3, learning_rate="invscaling")),
    "mlp_warm_start": lambda: _warm(
        _mlp(max_iter=3, learning_rate="invscaling", solver="sgd")
    ),
    "mlp_partial_fit": lambda: _incremental(_mlp()),
    "mlp_augment": lambda: _fit(
        _mlp(augment=RandomShift(max_shift=1, image_shape=(8, 8)), max_iter=3)
    ),
    "mlp_elastic_float32": lambda: _fit(
        _mlp(augment=ElasticDistortion(8, 2, image_shape=(8, 8)), max_iter=3),
        np.float32,
    ),
}


def arrays_of(name, fits):
    """The arrays that pin one configuration: every fit's weights and curve.

    ``fits`` yields the estimator after each call; each is read at once,
    before the next call changes it.
    """
    out = {}
    for k, est in enumerate(fits):
        weights = (
            est.coefs_ + est.intercepts_
            if hasattr(est, "coefs_")
            else [
                est.coef_,
                est.intercept_,
            ]
        )
        for j, w in enumerate(weights):
            out[f"{name}/{k}/w{j}"] = np.array(w, copy=True)
        out[f"{name}/{k}/loss_curve"] = np.array(est.loss_curve_)
        out[f"{name}/{k}/n_iter"] = np.array(est.n_iter_)
        out[f"{name}/{k}/t"] = np.array(est.t_)
        if est.validation_scores_ is not None:
            out[f"{name}/{k}/validation_scores"] = np.array(est.validation_scores_)
    return out


def run(name, path):
    """The arrays of one configuration, on the ``"compiled"`` or ``"numpy"`` path."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path == "numpy":
            with numpy_kernels():
                return arrays_of(f"{path}/{name}", CONFIGURATIONS[name]())
        return arrays_of(f"{path}/{name}", CONFIGURATIONS[name]())


def main():
    paths = ["numpy"] + (["compiled"] if compiled_kernels() is not None else [])
    out = {}
    for path in paths:
        for name in CONFIGURATIONS:
            out.update(run(name, path))
    np.savez_compressed(PATH, **out)
    print(f"wrote {len(out)} arrays to {PATH}")


if __name__ == "__main__":
    main()
