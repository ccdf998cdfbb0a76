"""The optional numba kernels against the NumPy path they stand in for."""

import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

import skmnist
from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier, _compiled
from skmnist._compiled import compiled_kernels, kernel_backend, numpy_kernels
from skmnist._numerics import (
    ACTIVATIONS,
    activation_backward_,
    axpy,
    bias_activation_,
    column_sums,
    dropout_,
    softmax_cross_entropy_grad_,
)
from skmnist._optimizers import AdamOptimizer, IterateAverage, SGDOptimizer

#: Fits here are kept short on purpose (a few epochs show what is tested);
#: tests of the warning itself use pytest.warns, which sees it regardless.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]
#: Agreement asked of the two paths: a few units in the last place.
RTOL = {np.float32: 2e-6, np.float64: 1e-13}


@pytest.fixture
def compiled():
    if compiled_kernels() is None:
        pytest.skip(
            "numba is not installed (pip install 'skmnist[fast]') or is switched off "
            "by SKMNIST_NUMBA=0"
        )


def both_paths(function, *arrays):
    """Run ``function`` on copies of ``arrays`` with the kernels, then without.

    Returns the two results and the two sets of arrays as left afterwards.
    """
    compiled_arrays = [a.copy() for a in arrays]
    numpy_arrays = [a.copy() for a in arrays]
    compiled_result = function(*compiled_arrays)
    with numpy_kernels():
        numpy_result = function(*numpy_arrays)
    return (compiled_result, numpy_result), (compiled_arrays, numpy_arrays)


def assert_same(compiled_arrays, numpy_arrays, dtype):
    for got, expected in zip(compiled_arrays, numpy_arrays):
        assert got.dtype == expected.dtype == dtype
        assert_allclose(got, expected, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_activation_kernels_match_numpy(rng, dtype, activation):
    z = rng.normal(scale=30, size=(7, 5)).astype(dtype)  # saturates the sigmoids
    z[3, 2] = np.nan  # a diverged model must stay visibly diverged
    bias = rng.normal(size=5).astype(dtype)
    _, (got, expected) = both_paths(lambda z: bias_activation_(activation, z, bias), z)
    assert_same(got, expected, dtype)
    assert_array_equal(np.isnan(got[0]), np.isnan(z))

    hidden = expected[0]
    grad = rng.normal(size=hidden.shape).astype(dtype)
    scratch = np.empty_like(hidden)
    for multipliers in [None, (rng.random(hidden.shape) < 0.5).astype(dtype) * 2]:
        _, (got, expected) = both_paths(
            lambda g, b: activation_backward_(
                activation, hidden, g, scratch, multipliers, b
            ),
            grad,
            np.full(5, np.nan, dtype=dtype),
        )
        assert_same(got, expected, dtype)


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_cross_entropy_kernel_matches_numpy(rng, dtype, weighted):
    logits = rng.normal(scale=50, size=(9, 4)).astype(dtype)  # needs log-sum-exp
    y = rng.integers(0, 4, size=9)
    weight = rng.uniform(0.1, 3, size=9) if weighted else None
    (loss, expected_loss), (got, expected) = both_paths(
        lambda a: softmax_cross_entropy_grad_(a, y, weight, 1 / 9), logits
    )
    assert np.isfinite(loss)
    assert loss == pytest.approx(expected_loss, rel=RTOL[dtype] * 10)
    assert_same(got, expected, dtype)


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_kernel_matches_numpy(rng, dtype):
    hidden = rng.normal(size=(8, 6)).astype(dtype)
    uniform = rng.random((5, 6), dtype=dtype)
    row_of = rng.integers(0, 5, size=8)
    _, (got, expected) = both_paths(
        lambda multipliers, kept: dropout_(
            uniform, row_of, 0.6, hidden, multipliers, kept
        ),
        np.full_like(hidden, np.nan),
        np.full_like(hidden, np.nan),
    )
    assert_same(got, expected, dtype)
    multipliers = got[0]
    assert set(np.unique(multipliers)) <= {0, dtype(1 / 0.6)}
    assert_array_equal(multipliers == 0, uniform[row_of] >= dtype(0.6))


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
def test_column_sums_and_axpy_kernels_match_numpy(rng, dtype):
    a = rng.normal(size=(11, 6)).astype(dtype)
    _, (got, expected) = both_paths(
        lambda out: column_sums(a, out), np.full(6, np.nan, dtype=dtype)
    )
    assert_same(got, expected, dtype)

    x = rng.normal(size=20).astype(dtype)
    _, (got, expected) = both_paths(
        lambda y: axpy(x, y, 0.3, np.empty_like(x)), rng.normal(size=20).astype(dtype)
    )
    assert_same(got, expected, dtype)


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.0, 0.05])
@pytest.mark.parametrize("beta_1", [0.9, 0.0])
def test_adam_kernel_matches_numpy_with_the_penalty_folded_in(
    rng, dtype, alpha, beta_1
):
    n_params, n_penalized = 50, 30
    params = rng.normal(size=n_params).astype(dtype)
    gradients = [rng.normal(size=n_params).astype(dtype) for _ in range(4)]

    def train(params):
        adam = AdamOptimizer(
            n_params, dtype, 0.01, "constant", 0.5, beta_1, 0.999, 1e-8
        )
        for grads in gradients:
            adam.step(params, grads.copy(), alpha, n_penalized)
        return adam

    (got_adam, expected_adam), (got, expected) = both_paths(train, params)
    assert_same(got, expected, dtype)
    assert_same(
        [got_adam.first_moment, got_adam.second_moment],
        [expected_adam.first_moment, expected_adam.second_moment],
        dtype,
    )


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.0, 0.05])
@pytest.mark.parametrize("momentum, nesterov", [(0.0, True), (0.9, False), (0.9, True)])
def test_sgd_kernel_is_the_numpy_update_bit_for_bit(
    rng, dtype, alpha, momentum, nesterov
):
    # No transcendental function is involved: the fused pass must reproduce
    # the NumPy passes exactly, in the same order of operations.
    n_params, n_penalized = 50, 30
    params = rng.normal(size=n_params).astype(dtype)
    gradients = [rng.normal(size=n_params).astype(dtype) for _ in range(4)]

    def train(params):
        sgd = SGDOptimizer(n_params, dtype, 0.1, "constant", 0.5, momentum, nesterov)
        for grads in gradients:
            sgd.step(params, grads.copy(), alpha, n_penalized)
        return sgd

    (got_sgd, expected_sgd), (got, expected) = both_paths(train, params)
    assert_array_equal(got[0], expected[0])
    assert_array_equal(got_sgd.velocity, expected_sgd.velocity)
    assert not np.array_equal(got[0], params)


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
def test_iterate_average_kernel_matches_numpy(rng, dtype):
    iterates = [rng.normal(size=30).astype(dtype) for _ in range(5)]

    def average(start):
        running = IterateAverage(start, start_after=0)
        for n_seen, params in enumerate(iterates, start=1):
            running.update(params, n_seen)
        return running.average

    (got, expected), _ = both_paths(average, iterates[0])
    assert_same([got], [expected], dtype)
    assert_allclose(got, np.mean(iterates, axis=0), rtol=10 * RTOL[dtype])


ESTIMATORS = [
    TwoLayerMLPClassifier(32, alpha=1e-3),
    TwoLayerMLPClassifier(32, activation="logistic", dropout=0.3),
    TwoLayerMLPClassifier(32, activation="tanh", solver="sgd"),
    TwoLayerMLPClassifier(32, activation="identity", early_stopping=True),
    SoftmaxSGDClassifier(),
    SoftmaxSGDClassifier(solver="adam", alpha=1e-3),
]


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("how", ["fit", "weighted fit", "partial_fit"])
def test_fits_on_both_paths_agree(estimator, dtype, how):
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(dtype)
    weight = np.random.default_rng(0).uniform(0.5, 2, size=len(y))
    estimator = clone(estimator).set_params(max_iter=5, random_state=0, tol=0)

    def fit_proba(X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if how == "partial_fit":
                model = clone(estimator)
                for _ in range(3):
                    model.partial_fit(X, y, classes=np.unique(y))
            else:
                model = clone(estimator).fit(
                    X, y, sample_weight=weight if how == "weighted fit" else None
                )
        return model.predict_proba(X)

    (got, expected), _ = both_paths(fit_proba, X)
    assert got.dtype == expected.dtype == dtype
    # After hundreds of steps rounding differences grow, but only a little.
    assert_allclose(got, expected, atol=100 * RTOL[dtype])


@pytest.fixture
def fresh_switch(monkeypatch):
    """Forget which path was chosen, so the next call chooses again.

    (monkeypatch puts the original choice back afterwards.)
    """
    monkeypatch.setattr(_compiled, "_loaded", None)
    return monkeypatch


@pytest.mark.parametrize("value", ["0", "off", "False"])
def test_environment_variable_switches_the_kernels_off(fresh_switch, value):
    fresh_switch.setenv("SKMNIST_NUMBA", value)
    assert compiled_kernels() is None
    assert kernel_backend() == "numpy"


def test_without_numba_training_runs_on_numpy(fresh_switch, digits):
    fresh_switch.delenv("SKMNIST_NUMBA", raising=False)
    # As if numba were not installed.
    fresh_switch.setitem(sys.modules, "numba", None)
    fresh_switch.delitem(sys.modules, "skmnist._numba_kernels", raising=False)
    fresh_switch.delattr(skmnist, "_numba_kernels", raising=False)
    assert compiled_kernels() is None
    X, y = digits
    est = TwoLayerMLPClassifier(
        32, learning_rate_init=0.01, max_iter=50, random_state=0
    ).fit(X, y)
    assert est.score(X, y) > 0.95


def test_a_broken_numba_warns_and_falls_back_to_numpy(fresh_switch):
    fresh_switch.delenv("SKMNIST_NUMBA", raising=False)
    fresh_switch.delattr(skmnist, "_numba_kernels", raising=False)

    class BrokenNumba:
        def __getattr__(self, name):
            raise ImportError("Numba needs NumPy 2.3 or less")

    fresh_switch.setitem(sys.modules, "numba", BrokenNumba())
    fresh_switch.delitem(sys.modules, "skmnist._numba_kernels", raising=False)
    with pytest.warns(RuntimeWarning, match="NumPy 2.3 or less.*SKMNIST_NUMBA=0"):
        assert compiled_kernels() is None
    assert compiled_kernels() is None  # decided once, warned once


def test_numpy_kernels_context_restores_the_choice():
    before = compiled_kernels()
    with numpy_kernels():
        assert compiled_kernels() is None
        assert kernel_backend() == "numpy"
    assert compiled_kernels() is before


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize("dtype", DTYPES)
def test_kernels_without_transcendental_functions_are_bit_identical(rng, dtype):
    # Why the two paths agree to rounding rather than bit for bit: only the
    # kernels that call exp, log or tanh (the softmax loss, logistic, tanh),
    # whose compiled versions come from LLVM's math library and NumPy's from
    # its own, and the loss, summed in float64 by the kernel, may differ.
    # Every other kernel must reproduce NumPy exactly.
    z = rng.normal(scale=3, size=(40, 30)).astype(dtype)
    bias = rng.normal(size=30).astype(dtype)
    grad = rng.normal(size=z.shape).astype(dtype)
    for activation in ("identity", "relu", "leaky_relu"):
        _, (got, expected) = both_paths(
            lambda a: bias_activation_(activation, a, bias), z
        )
        assert_array_equal(got[0], expected[0])
        hidden = expected[0]
        _, (got, expected) = both_paths(
            lambda g, b: activation_backward_(
                activation, hidden, g, np.empty_like(hidden), None, b
            ),
            grad,
            np.zeros(30, dtype=dtype),
        )
        assert_array_equal(got[0], expected[0])
        assert_array_equal(got[1], expected[1])
    _, (got, expected) = both_paths(
        lambda out: column_sums(z, out), np.zeros(30, dtype=dtype)
    )
    assert_array_equal(got[0], expected[0])
    n_params = 500
    params = rng.normal(size=n_params).astype(dtype)
    gradients = [rng.normal(size=n_params).astype(dtype) for _ in range(3)]

    def adam_then_average(params):
        adam = AdamOptimizer(n_params, dtype, 0.01, "constant", 0.5, 0.9, 0.999, 1e-8)
        average = IterateAverage(params, start_after=0)
        for n_seen, grads in enumerate(gradients, start=1):
            adam.step(params, grads.copy(), 0.01, 300)
            average.update(params, n_seen)
        return average.average

    (got_average, expected_average), (got, expected) = both_paths(
        adam_then_average, params
    )
    assert_array_equal(got[0], expected[0])
    assert_array_equal(got_average, expected_average)
