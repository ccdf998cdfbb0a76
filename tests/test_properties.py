"""Property-based tests of both estimators (hypothesis; issue 14).

Small random data sets (duplicate rows, zeros, several scales, dense or
sparse, float32 or float64) and random parameters, a few epochs each. The
properties:

* a fit ends in finite parameters and valid probabilities, or raises a
  ValueError that says what to change, and leaves the estimator unfitted;
* a refit with the same ``random_state`` is bit-identical;
* dense, sparse, float32 and float64 copies of the same data train the same
  model (up to float32 rounding), with early stopping and dropout on;
* a uniform rescaling of ``sample_weight`` or ``class_weight`` changes
  nothing (bit for bit when the factor is a power of two);
* no input is ever modified.

The examples per property are set by the hypothesis profile in
``tests/conftest.py``: 25 by default, ``SKMNIST_HYPOTHESIS_EXAMPLES=500`` for
a longer run.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier

pytest.importorskip(
    "hypothesis", reason='hypothesis is not installed (pip install "skmnist[test]")'
)
from hypothesis import event, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.slow

#: A failed fit must say what to change; these are the engine's messages.
CLEAR_ERRORS = re.compile(
    "|".join(
        [
            r"Training diverged .* try a smaller one",
            r"early_stopping=True needs a validation set",
            r'learning_rate_init="auto" gives a step .* Scale the features',
            r"sample weights span more than",
            r"needs samples of at least 2 classes",
            r"epsilon=.* rounds to 0",
            r"Every sample of this partial_fit call has zero weight",
        ]
    ),
    re.DOTALL,
)


# ----------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------
@st.composite
def datasets(draw, max_rows=30, max_features=4, max_classes=3, scales=None):
    """``(X, y)``: float64 holding float32 values, duplicates and zeros likely.

    Rows are drawn from a small pool, so that duplicate rows (with equal or
    different labels) are common; every class has at least two rows.
    """
    n_classes = draw(st.integers(2, max_classes))
    n_rows = draw(st.integers(2 * n_classes + 2, max_rows))
    n_features = draw(st.integers(1, max_features))
    n_distinct = draw(st.integers(1, n_rows))
    value = st.one_of(
        st.just(0.0),
        st.floats(-4, 4, width=32, allow_subnormal=False),
    )
    pool = np.array(
        draw(
            st.lists(
                st.lists(value, min_size=n_features, max_size=n_features),
                min_size=n_distinct,
                max_size=n_distinct,
            )
        ),
        dtype=np.float64,
    )
    rows = draw(
        st.lists(st.integers(0, n_distinct - 1), min_size=n_rows, max_size=n_rows)
    )
    labels = draw(
        st.lists(st.integers(0, n_classes - 1), min_size=n_rows, max_size=n_rows)
    )
    labels[: 2 * n_classes] = list(range(n_classes)) * 2
    scale = draw(st.sampled_from(scales or [1.0]))
    X = (pool[rows] * scale).astype(np.float32).astype(np.float64)
    return X, np.array(labels)


def estimators(early_stopping=None, dropout=None, max_iter=3):
    """An unfitted, seeded estimator with random (valid) parameters."""
    common = dict(
        solver=st.sampled_from(["sgd", "adam"]),
        learning_rate=st.sampled_from(["constant", "invscaling", "adaptive"]),
        learning_rate_init=st.sampled_from(["auto", 1e-3, 0.1, 1.0]),
        alpha=st.sampled_from([0.0, 1e-4, 0.5, 5.0]),
        batch_size=st.sampled_from(["auto", 1, 4]),
        max_iter=st.integers(1, max_iter),
        momentum=st.sampled_from([0.0, 0.9]),
        n_iter_no_change=st.integers(1, 3),
        early_stopping=(
            st.booleans() if early_stopping is None else st.just(early_stopping)
        ),
        average=st.sampled_from([False, True, 5]),
        class_weight=st.sampled_from([None, "balanced", {0: 3.0, 1: 0.5}, {0: 0.0}]),
        random_state=st.integers(0, 2**31 - 1),
    )
    softmax = st.builds(SoftmaxSGDClassifier, **common)
    mlp = st.builds(
        TwoLayerMLPClassifier,
        n_hidden=st.integers(1, 6),
        activation=st.sampled_from(["relu", "logistic", "tanh", "identity"]),
        dropout=st.sampled_from([0.0, 0.3]) if dropout is None else st.just(dropout),
        **common,
    )
    return st.one_of(softmax, mlp)


@st.composite
def sample_weights(draw, n_rows, low=2.0**-20, high=2.0**20, allow_none=True):
    """None, or positive weights with zeros on some of the odd rows.

    Small integers are likely: their sums tie, where rounding decides.
    """
    if allow_none and draw(st.booleans()):
        return None
    value = st.one_of(st.sampled_from([1.0, 2.0, 3.0]), st.floats(low, high))
    weight = np.array(draw(st.lists(value, min_size=n_rows, max_size=n_rows)))
    zero = draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows))
    weight[1::2][np.array(zero[1::2], dtype=bool)] = 0.0
    return weight


# ----------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------
def fitted_arrays(clf):
    if isinstance(clf, TwoLayerMLPClassifier):
        return clf.coefs_ + clf.intercepts_
    return [clf.coef_, clf.intercept_]


def fit_quietly(clf, X, y, **kwargs):
    """Fit with short-fit warnings silenced; numeric RuntimeWarnings are errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # batch_size > n_samples
        warnings.simplefilter("error", RuntimeWarning)
        return clf.fit(X, y, **kwargs)


def outcome(clf, X, y, **kwargs):
    """The fitted estimator, or the ValueError's message."""
    try:
        return fit_quietly(clf, X, y, **kwargs)
    except ValueError as exc:
        return str(exc)


def assert_valid_fit_or_clear_error(clf, X, y, **kwargs):
    result = outcome(clf, X, y, **kwargs)
    # (--hypothesis-show-statistics tells how often each outcome came up.)
    event("fit refused" if isinstance(result, str) else "fitted")
    if isinstance(result, str):
        assert CLEAR_ERRORS.search(result), f"unclear error: {result}"
        event(f"refused: {CLEAR_ERRORS.search(result).group(0)[:40]}")
        with pytest.raises(NotFittedError):
            check_is_fitted(clf)
        return None
    for array in fitted_arrays(clf):
        assert np.isfinite(array).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        proba = clf.predict_proba(X)
    tolerance = 1e-5 if proba.dtype == np.float32 else 1e-12
    assert np.isfinite(proba).all()
    assert proba.min() >= 0 and proba.max() <= 1
    assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=tolerance)
    assert np.isin(clf.predict(X), clf.classes_).all()
    return clf


def assert_same_fit(a, b):
    """Bit-identical fitted arrays and history."""
    for x, z in zip(fitted_arrays(a), fitted_arrays(b)):
        assert x.dtype == z.dtype
        assert_array_equal(x, z)
    assert a.n_iter_ == b.n_iter_
    assert a.loss_curve_ == b.loss_curve_ or np.array_equal(
        a.loss_curve_, b.loss_curve_, equal_nan=True
    )
    assert a.validation_scores_ == b.validation_scores_


def as_storage(X, storage):
    dtype = np.float32 if storage.endswith("32") else np.float64
    X = X.astype(dtype)
    return sp.csr_matrix(X) if storage.startswith("sparse") else X


# ----------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------
@given(
    data=st.data(),
    clf=estimators(),
    storage=st.sampled_from(["dense64", "dense32", "sparse64", "sparse32"]),
)
def test_fit_gives_finite_parameters_and_probabilities_or_a_clear_error(
    data, clf, storage
):
    X, y = data.draw(datasets(scales=[1.0, 1e-30, 1e6, 1e18]))
    weight = data.draw(sample_weights(len(y), low=1e-30, high=1e30))
    X = as_storage(X, storage)
    assert_valid_fit_or_clear_error(clf, X, y, sample_weight=weight)


@given(
    data=st.data(),
    Estimator=st.sampled_from([SoftmaxSGDClassifier, TwoLayerMLPClassifier]),
    n_hidden=st.integers(1, 64),
    alpha=st.sampled_from([0.0, 0.5, 5.0, 50.0, 1e3]),
    early_stopping=st.booleans(),
)
def test_a_strong_penalty_or_heavy_weights_never_look_like_divergence(
    data, Estimator, n_hidden, alpha, early_stopping
):
    # Adam's steps are bounded by its learning rate: in three epochs the
    # data loss cannot grow anywhere near 100 times. Only the penalty can
    # be large (alpha * n_hidden at the start), and it is not the data loss.
    X, y = data.draw(datasets())
    weight = data.draw(sample_weights(len(y), low=1e-30, high=1e30))
    params = dict(solver="adam", alpha=alpha, max_iter=3, random_state=0)
    if Estimator is TwoLayerMLPClassifier:
        params["n_hidden"] = n_hidden
    clf = Estimator(early_stopping=early_stopping, **params)
    result = outcome(clf, X, y, sample_weight=weight)
    if isinstance(result, str):
        assert "diverged" not in result
        assert CLEAR_ERRORS.search(result), result
    incremental = Estimator(shuffle=False, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        incremental.partial_fit(X, y, classes=np.unique(y), sample_weight=weight)


@given(data=st.data(), clf=estimators())
def test_refit_with_the_same_random_state_is_bit_identical(data, clf):
    X, y = data.draw(datasets())
    weight = data.draw(sample_weights(len(y)))
    first = outcome(clf, X, y, sample_weight=weight)
    if isinstance(first, str):
        assert outcome(clone(clf), X, y, sample_weight=weight) == first
        return
    snapshot = [a.copy() for a in fitted_arrays(first)]
    refit = outcome(clone(clf), X, y, sample_weight=weight)
    again = outcome(first, X, y, sample_weight=weight)  # the same object
    assert_same_fit(refit, again)
    for a, b in zip(snapshot, fitted_arrays(again)):
        assert_array_equal(a, b)


@given(data=st.data(), clf=estimators(early_stopping=True, dropout=0.3))
def test_dense_sparse_float32_float64_train_the_same_model(data, clf):
    # The duplicate groups (hence the validation split and the dropout
    # masks) depend on the values only; the arithmetic differs by rounding.
    X, y = data.draw(datasets())
    clf.set_params(learning_rate_init=data.draw(st.sampled_from(["auto", 0.01])))
    storages = ("dense64", "sparse64", "dense32", "sparse32")
    if clf.solver == "adam":
        # Adam divides by the gradient's size: where a gradient cancels to
        # float32 rounding (~1e-8, next to epsilon=1e-8), it still takes a
        # step of up to the learning rate. Its float32 fits differ by more
        # than rounding, so only its float64 fits are compared.
        storages = storages[:2]
    fits = {
        storage: outcome(clone(clf), as_storage(X, storage), y) for storage in storages
    }
    reference = fits["dense64"]
    event("fit refused" if isinstance(reference, str) else "fitted")
    if isinstance(reference, str):
        assert all(fit == reference for fit in fits.values()), fits
        return
    for storage, fit in fits.items():
        assert not isinstance(fit, str), f"{storage}: {fit}"
        float32 = storage.endswith("32")
        assert fit.n_iter_ == reference.n_iter_, storage
        for a, b in zip(fitted_arrays(fit), fitted_arrays(reference)):
            scale = max(1.0, np.abs(b).max())
            # (Adam's division by the gradient's size turns float64 rounding
            # of a cancelling gradient into steps of ~1e-8 of its rate.)
            tolerance = 1e-4 * scale if float32 else 1e-7 * scale
            assert_allclose(a, b, rtol=0, atol=tolerance, err_msg=storage)


@given(
    data=st.data(),
    clf=estimators(),
    exponent=st.integers(-300, 300),
    which=st.sampled_from(["sample_weight", "class_weight"]),
)
def test_a_power_of_two_rescaling_of_the_weights_changes_nothing(
    data, clf, exponent, which
):
    X, y = data.draw(datasets())
    factor = 2.0**exponent
    weight = data.draw(sample_weights(len(y)))
    class_weight = {label: data.draw(st.floats(2.0**-10, 2.0**10)) for label in set(y)}
    if which == "class_weight":
        clf.set_params(class_weight=class_weight)
        scaled_params = {
            "class_weight": {k: v * factor for k, v in class_weight.items()}
        }
        scaled_weight = weight
    else:
        scaled_params = {}
        scaled_weight = None if weight is None else weight * factor
    plain = outcome(clone(clf), X, y, sample_weight=weight)
    scaled = outcome(
        clone(clf).set_params(**scaled_params), X, y, sample_weight=scaled_weight
    )
    if isinstance(plain, str):
        assert scaled == plain
        return
    assert_same_fit(plain, scaled)
    assert_array_equal(plain.predict_proba(X), scaled.predict_proba(X))


@given(data=st.data(), clf=estimators(), factor=st.floats(1e-200, 1e200))
def test_any_rescaling_of_the_weights_changes_predictions_by_rounding_only(
    data, clf, factor
):
    # Not bit for bit: w * c / max(w * c) may round apart from w / max(w);
    # but no decision (the split, the best epoch) may turn on that rounding.
    X, y = data.draw(datasets())
    weight = data.draw(sample_weights(len(y), allow_none=False))
    plain = outcome(clone(clf), X, y, sample_weight=weight)
    scaled = outcome(clone(clf), X, y, sample_weight=weight * factor)
    if isinstance(plain, str):
        assert scaled == plain
        return
    assert plain.n_iter_ == scaled.n_iter_
    assert_allclose(
        plain.predict_proba(X), scaled.predict_proba(X), rtol=1e-6, atol=1e-9
    )


@given(data=st.data(), clf=estimators(), factor=st.floats(1e-300, 1e300))
def test_equal_weights_of_any_size_train_exactly_as_no_weights(data, clf, factor):
    # (Times class weights, equal weights are a rescaling by ``factor``:
    # exact for powers of two only, as tested above.)
    clf.set_params(class_weight=None)
    X, y = data.draw(datasets())
    X = X.astype(data.draw(st.sampled_from([np.float32, np.float64])))
    plain = outcome(clone(clf), X, y)
    weighted = outcome(clone(clf), X, y, sample_weight=np.full(len(y), factor))
    if isinstance(plain, str):
        assert weighted == plain
        return
    assert_same_fit(plain, weighted)


def _mutable_inputs(X, y, weight, storage, order):
    """The inputs in the layout drawn: sparse with duplicates, F-order, ..."""
    X = X.astype(np.float32 if storage.endswith("32") else np.float64)
    if storage.startswith("sparse"):
        coo = sp.coo_matrix(X)
        # Duplicate entries that sum to the value, in reversed order:
        # unsorted indices and duplicates an engine could "fix" in place.
        half = coo.data / 2
        X = sp.csr_matrix(
            (
                np.concatenate([half, coo.data - half])[::-1],
                (
                    np.concatenate([coo.row, coo.row])[::-1],
                    np.concatenate([coo.col, coo.col])[::-1],
                ),
            ),
            shape=X.shape,
        )
    elif order == "F":
        X = np.asfortranarray(X)
    return X, y, weight


def _snapshot(value):
    if sp.issparse(value):
        return (
            "sparse",
            value.format,
            value.data.copy(),
            value.indices.copy(),
            value.indptr.copy(),
        )
    if value is None:
        return None
    return ("dense", np.array(value, copy=True), np.asarray(value).flags.writeable)


def _assert_unchanged(before, value):
    if before is None:
        assert value is None
        return
    if before[0] == "sparse":
        _, fmt, data, indices, indptr = before
        assert value.format == fmt
        assert_array_equal(value.data, data)
        assert_array_equal(value.indices, indices)
        assert_array_equal(value.indptr, indptr)
        return
    _, array, writeable = before
    assert np.asarray(value).dtype == array.dtype
    assert_array_equal(value, array)
    assert np.asarray(value).flags.writeable == writeable


@given(
    data=st.data(),
    clf=estimators(),
    storage=st.sampled_from(["dense64", "dense32", "sparse64", "sparse32"]),
    order=st.sampled_from(["C", "F"]),
)
def test_no_input_is_modified(data, clf, storage, order):
    X, y = data.draw(datasets())
    weight = data.draw(sample_weights(len(y)))
    X, y, weight = _mutable_inputs(X, y, weight, storage, order)
    X_val, y_val = X[::2], y[::2]
    inputs = {"X": X, "y": y, "sample_weight": weight, "X_val": X_val, "y_val": y_val}
    before = {name: _snapshot(value) for name, value in inputs.items()}
    if outcome(clf, X, y, sample_weight=weight, X_val=X_val, y_val=y_val) is clf:
        clf.predict_proba(X_val)
        clf.decision_function(X_val)
        clf.score(
            X_val, y_val, sample_weight=weight[::2] if weight is not None else None
        )
    incremental = clone(clf).set_params(class_weight=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            incremental.partial_fit(X, y, classes=np.unique(y), sample_weight=weight)
        except ValueError as exc:
            assert CLEAR_ERRORS.search(str(exc)), str(exc)
    for name, value in inputs.items():
        _assert_unchanged(before[name], value)
