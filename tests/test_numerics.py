"""Tests of the in-place numerical primitives in ``skmnist._numerics``."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp

from skmnist._numerics import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    axpy,
    log_softmax,
    matmul,
    softmax,
    softmax_nll_,
)


def _reference_softmax_nll(logits, y):
    """Float64 softmax and NLL computed independently with scipy's logsumexp."""
    logits = np.asarray(logits, dtype=np.float64)
    lse = logsumexp(logits, axis=1)
    proba = np.exp(logits - lse[:, None])
    nll = lse - logits[np.arange(len(y)), y]
    return proba, nll


@pytest.fixture
def logits_and_labels(rng):
    logits = rng.normal(scale=3.0, size=(50, 7))
    y = rng.integers(0, 7, size=50)
    return logits, y


# --------------------------------------------------------------------------
# softmax_nll_
# --------------------------------------------------------------------------


def test_softmax_nll_matches_logsumexp_reference(logits_and_labels):
    """Probabilities written in place and returned NLL match the float64 reference."""
    logits, y = logits_and_labels
    expected_proba, expected_nll = _reference_softmax_nll(logits, y)
    work = logits.copy()
    nll = softmax_nll_(work, y)
    assert nll.shape == (logits.shape[0],)
    assert_allclose(work, expected_proba, rtol=1e-12, atol=1e-15)
    assert_allclose(nll, expected_nll, rtol=1e-12, atol=1e-13)


def test_softmax_nll_writes_into_the_given_array(logits_and_labels):
    """The probabilities land in the caller's array, not in a copy."""
    logits, y = logits_and_labels
    work = logits.copy()
    address = work.__array_interface__["data"][0]
    softmax_nll_(work, y)
    assert work.__array_interface__["data"][0] == address
    assert_allclose(work.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_softmax_nll_huge_logits_do_not_overflow(rng, scale):
    """Logits of magnitude 1e4 give finite, exact results without warnings."""
    logits = rng.normal(size=(20, 5)) * scale
    y = rng.integers(0, 5, size=20)
    expected_proba, expected_nll = _reference_softmax_nll(logits, y)
    work = logits.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nll = softmax_nll_(work, y)
    assert np.all(np.isfinite(work)) and np.all(np.isfinite(nll))
    assert_allclose(work, expected_proba, rtol=1e-10, atol=1e-300)
    assert_allclose(nll, expected_nll, rtol=1e-12)


def test_softmax_nll_keeps_tiny_label_log_probability():
    """An underflowing label probability still gets its exact, finite NLL."""
    logits = np.array([[1e4, 0.0, -3.0], [0.0, 800.0, 1000.0]])
    y = np.array([2, 0])
    work = logits.copy()
    nll = softmax_nll_(work, y)
    assert work[0, 2] == 0.0 and work[1, 0] == 0.0  # exp underflowed
    assert_allclose(nll, [1e4 + 3.0, 1000.0], rtol=1e-12)


def test_softmax_nll_float32_stays_float32(logits_and_labels):
    """float32 logits stay float32 (probabilities and NLL), accurate to float32."""
    logits, y = logits_and_labels
    work = logits.astype(np.float32)
    expected_proba, expected_nll = _reference_softmax_nll(work, y)
    nll = softmax_nll_(work, y)
    assert work.dtype == np.float32
    assert nll.dtype == np.float32
    assert_allclose(work, expected_proba, rtol=1e-5, atol=1e-7)
    assert_allclose(nll, expected_nll, rtol=1e-5, atol=1e-5)


def test_softmax_nll_float32_huge_logits(rng):
    """float32 logits of 1e4 do not overflow either."""
    logits = (rng.normal(size=(20, 5)) * 1e4).astype(np.float32)
    y = rng.integers(0, 5, size=20)
    expected_proba, expected_nll = _reference_softmax_nll(logits, y)
    work = logits.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nll = softmax_nll_(work, y)
    assert nll.dtype == np.float32 and work.dtype == np.float32
    assert np.all(np.isfinite(work)) and np.all(np.isfinite(nll))
    assert_allclose(nll, expected_nll, rtol=1e-6)
    assert_allclose(work, expected_proba, atol=1e-6)


# --------------------------------------------------------------------------
# softmax / log_softmax
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_softmax_rows_sum_to_one(rng, dtype, scale):
    """Rows of softmax sum to 1, are in [0, 1], keep the dtype and leave input alone."""
    logits = (rng.normal(size=(30, 6)) * scale).astype(dtype)
    original = logits.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = softmax(logits)
    assert proba.dtype == dtype
    assert proba is not logits
    assert_array_equal(logits, original)
    assert np.all((proba >= 0) & (proba <= 1))
    tol = 1e-6 if dtype == np.float32 else 1e-13
    assert_allclose(proba.sum(axis=1), 1.0, rtol=tol)
    expected, _ = _reference_softmax_nll(logits, np.zeros(30, dtype=int))
    assert_allclose(proba, expected, rtol=10 * tol, atol=tol)


def test_log_softmax_equals_log_of_softmax(logits_and_labels):
    """log_softmax equals log(softmax) on moderate logits; the input is untouched."""
    logits, _ = logits_and_labels
    original = logits.copy()
    out = log_softmax(logits)
    assert_array_equal(logits, original)
    assert_allclose(out, np.log(softmax(logits)), rtol=1e-12, atol=1e-13)
    assert_allclose(
        out, logits - logsumexp(logits, axis=1, keepdims=True), rtol=1e-12, atol=1e-13
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_stays_finite_for_extreme_logits(dtype):
    """Where exp underflows (log(softmax) = -inf), log_softmax stays finite, exact."""
    logits = np.array([[1e4, -1e4, 0.0], [-5e3, 5e3, 4.99e3]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = log_softmax(logits)
    assert out.dtype == dtype
    assert np.all(np.isfinite(out))
    expected = logits.astype(np.float64) - logsumexp(
        logits.astype(np.float64), axis=1, keepdims=True
    )
    tol = 1e-6 if dtype == np.float32 else 1e-12
    # log-probabilities close to 0 are accurate in absolute, not relative, terms
    assert_allclose(out, expected, rtol=tol, atol=tol)
    with np.errstate(divide="ignore"):
        log_of_softmax = np.log(softmax(logits))
    finite = np.isfinite(log_of_softmax)
    assert not finite.all()  # the case really exercises underflow
    assert_allclose(out[finite], log_of_softmax[finite], rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------


def _stable_logistic(z):
    """1 / (1 + exp(-z)) written so that neither branch can overflow."""
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


TEXTBOOK = {
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    "logistic": _stable_logistic,
    "tanh": lambda z: (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1),
    "identity": lambda z: z.copy(),
}


def test_activations_are_the_expected_set():
    """Exactly the five documented activations are available, each with the
    initialisation its layer gets."""
    assert set(ACTIVATIONS) == {"relu", "leaky_relu", "logistic", "tanh", "identity"}
    assert set(TEXTBOOK) == set(ACTIVATIONS)
    for name, (_, _, (scheme, gain)) in ACTIVATIONS.items():
        assert scheme in {"he", "glorot"} and gain > 0, name
    assert 0 < LEAKY_SLOPE < 1


@pytest.mark.parametrize("name", sorted(TEXTBOOK))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_forward_matches_textbook_formula(rng, name, dtype):
    """The in-place forward equals the textbook formula, keeps the array and dtype."""
    forward, _, _ = ACTIVATIONS[name]
    z = rng.normal(scale=3.0, size=(40, 5)).astype(dtype)
    expected = TEXTBOOK[name](z.astype(np.float64))
    work = z.copy()
    result = forward(work)
    assert result is None or result is work
    assert work.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert_allclose(work, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_very_negative_inputs_no_overflow(dtype):
    """The logistic of very negative inputs is tiny (or 0), with no overflow warning."""
    forward, _, _ = ACTIVATIONS["logistic"]
    z = np.array([-1e4, -800.0, -100.0, -30.0, 0.0, 30.0, 800.0, 1e4], dtype=dtype)
    expected = _stable_logistic(z.astype(np.float64))
    work = z.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            forward(work)
    assert np.all(np.isfinite(work))
    assert np.all((work >= 0) & (work <= 1))
    # float32 may flush exp(-100) ~ 4e-44 (a subnormal) to zero
    assert_allclose(
        work,
        expected,
        rtol=1e-6 if dtype == np.float32 else 1e-12,
        atol=float(np.finfo(dtype).tiny),
    )


def _finite_difference(forward, z, eps):
    plus, minus = z + eps, z - eps
    forward(plus)
    forward(minus)
    return (plus - minus) / (2 * eps)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_matches_finite_difference(rng, name):
    """backward(h, grad) multiplies grad by f'(z), computed from h = f(z) alone."""
    forward, backward, _ = ACTIVATIONS[name]
    z = rng.normal(scale=2.0, size=(30, 4))
    z[np.abs(z) < 1e-3] = 0.5  # keep relu's kink away from the difference stencil
    eps = 1e-6
    derivative = _finite_difference(forward, z, eps)
    h = z.copy()
    forward(h)
    upstream = rng.normal(size=z.shape)
    grad = upstream.copy()
    scratch = np.empty_like(z)
    h_before = h.copy()
    backward(h, grad, scratch)
    assert_array_equal(h, h_before)  # the activation output is only read
    assert_allclose(grad, upstream * derivative, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_float32(rng, name):
    """The backward keeps float32 grads float32 and agrees with the float64 one."""
    forward, backward, _ = ACTIVATIONS[name]
    z = rng.normal(scale=2.0, size=(30, 4))
    h64 = z.copy()
    forward(h64)
    grad64 = np.ones_like(z)
    backward(h64, grad64, np.empty_like(z))
    h32 = z.astype(np.float32)
    forward(h32)
    grad32 = np.ones_like(h32)
    backward(h32, grad32, np.empty_like(h32))
    assert grad32.dtype == np.float32
    assert_allclose(grad32, grad64, rtol=1e-5, atol=1e-6)


def test_relu_backward_zeroes_inactive_units():
    """ReLU passes the gradient where the output is positive and blocks it elsewhere."""
    _, backward, _ = ACTIVATIONS["relu"]
    h = np.array([[0.0, 2.0, 0.0, 0.5]])
    grad = np.array([[3.0, -4.0, 5.0, 6.0]])
    backward(h, grad, np.empty_like(h))
    assert_array_equal(grad, [[0.0, -4.0, 0.0, 6.0]])


# --------------------------------------------------------------------------
# matmul and axpy
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_matmul_writes_product_into_out(rng, dtype, kind):
    """matmul(a, b, out) fills ``out`` with ``a @ b`` for dense and CSR ``a``."""
    dense = rng.normal(size=(25, 12)).astype(dtype)
    dense[rng.random(dense.shape) < 0.7] = 0.0
    a = sp.csr_matrix(dense) if kind == "csr" else dense
    b = rng.normal(size=(12, 4)).astype(dtype)
    out = np.full((25, 4), np.nan, dtype=dtype)
    result = matmul(a, b, out)
    assert result is out
    assert out.dtype == dtype
    expected = dense.astype(np.float64) @ b.astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert_allclose(out, expected, rtol=tol, atol=tol)
    assert_allclose(out, np.asarray(a @ b), rtol=tol, atol=tol)


def test_matmul_into_a_view(rng):
    """matmul writes into a slice of a larger workspace, leaving the rest untouched."""
    a = sp.csr_matrix(rng.normal(size=(5, 3)))
    b = rng.normal(size=(3, 2))
    workspace = np.zeros((8, 2))
    matmul(a, b, workspace[:5])
    assert_allclose(workspace[:5], a @ b, rtol=1e-12)
    assert_array_equal(workspace[5:], 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_updates_y_in_place(rng, dtype):
    """axpy computes y + a*x into the very same y buffer and leaves x unchanged."""
    x = rng.normal(size=100).astype(dtype)
    y = rng.normal(size=100).astype(dtype)
    a = -0.37
    expected = y.astype(np.float64) + a * x.astype(np.float64)
    x_before = x.copy()
    y_obj, y_address = y, y.__array_interface__["data"][0]
    scratch = np.empty_like(x)
    result = axpy(x, y, a, scratch)
    assert result is y_obj
    assert y.__array_interface__["data"][0] == y_address
    assert y.dtype == dtype
    assert_array_equal(x, x_before)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    assert_allclose(y, expected, rtol=tol, atol=tol)


def test_axpy_on_a_view_updates_the_parent(rng):
    """axpy on a slice of a flat parameter vector updates that slice of the parent."""
    params = rng.normal(size=10)
    before = params.copy()
    x = np.arange(4.0)
    axpy(x, params[3:7], 2.0, np.empty(4))
    assert_allclose(params[3:7], before[3:7] + 2.0 * x, rtol=1e-14)
    assert_array_equal(params[:3], before[:3])
    assert_array_equal(params[7:], before[7:])
