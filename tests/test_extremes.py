"""Extreme but legal inputs and parameters (issue 14, the estimator items).

One section per numbered estimator item of issue 14: each test failed on the
engine before the rewrite (commit 6604b57), and would fail again on a
plausible regression. Only the public API is used, plus the switch between
the numba and NumPy kernels for item 12.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    load_wine,
    make_blobs,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier

ESTIMATORS = [SoftmaxSGDClassifier, TwoLayerMLPClassifier]
SHORT_FIT = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
CLASSES = np.arange(10)


def make(Estimator, **params):
    """A small seeded estimator (16 hidden units for the MLP unless asked)."""
    if Estimator is TwoLayerMLPClassifier:
        params.setdefault("n_hidden", 16)
    params.setdefault("random_state", 0)
    return Estimator(**params)


def weights_of(clf):
    """The fitted weight and bias arrays, in a list."""
    if isinstance(clf, TwoLayerMLPClassifier):
        return clf.coefs_ + clf.intercepts_
    return [clf.coef_, clf.intercept_]


def assert_unfitted(clf):
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


# ----------------------------------------------------------------------
# 1. The divergence check compares the data loss with a data-loss limit,
#    so an L2 penalty or heavy weights never make a falling loss "diverge".
# ----------------------------------------------------------------------
@SHORT_FIT
@pytest.mark.parametrize("n_hidden, alpha", [(800, 0.5), (256, 2.0)])
def test_large_alpha_is_not_mistaken_for_divergence(digits, n_hidden, alpha):
    # The penalty at initialisation is about alpha * n_hidden, more than the
    # old limit of 100 * log(10) ~ 230 derived from the data loss alone.
    X, y = digits
    clf = TwoLayerMLPClassifier(
        n_hidden=n_hidden, alpha=alpha, max_iter=3, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ == 3
    assert clf.loss_curve_[0] > 230  # the penalised loss the old check used
    assert np.all(np.diff(clf.loss_curve_) < 0)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_heavy_weights_in_partial_fit_are_not_mistaken_for_divergence(
    digits, Estimator
):
    # Unnormalised weights (partial_fit keeps them as given) used to inflate
    # the epoch's loss, a weighted sum divided by the row count, above a
    # limit taken from the unweighted first batch.
    X, y = digits
    X, y = X[:400], y[:400]
    weight = np.ones(len(y))
    weight[-5:] = 1e4
    clf = make(Estimator, shuffle=False)
    clf.partial_fit(X, y, classes=CLASSES, sample_weight=weight)
    assert clf.n_iter_ == 1
    assert all(np.isfinite(w).all() for w in weights_of(clf))


# ----------------------------------------------------------------------
# 2. class_weight values get the checks sample_weight gets.
# ----------------------------------------------------------------------
BAD_CLASS_WEIGHTS = {
    "negative": ({0: -1.0}, "non-negative"),
    "all zero": ({label: 0.0 for label in CLASSES}, "at least one positive"),
    "nan": ({0: np.nan}, "NaN or infinity"),
    "inf": ({3: np.inf}, "NaN or infinity"),
}


@pytest.mark.parametrize("how", ["fit", "early stopping", "partial_fit"])
@pytest.mark.parametrize(
    "class_weight, message",
    list(BAD_CLASS_WEIGHTS.values()),
    ids=list(BAD_CLASS_WEIGHTS),
)
def test_invalid_class_weight_values_are_refused(digits, how, class_weight, message):
    X, y = digits
    clf = make(SoftmaxSGDClassifier, class_weight=class_weight, max_iter=2)
    with pytest.raises(ValueError, match=f"class_weight.*{message}"):
        if how == "partial_fit":
            clf.partial_fit(X, y, classes=CLASSES)
        else:
            clf.set_params(early_stopping=how == "early stopping").fit(X, y)
    assert_unfitted(clf)


@SHORT_FIT
@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_class_weight_zero_for_some_classes_is_allowed(digits, how):
    # Classes the dict leaves out weigh 1: {0: 0.0} is not "all zero".
    X, y = digits
    clf = make(SoftmaxSGDClassifier, class_weight={0: 0.0}, max_iter=3)
    if how == "fit":
        clf.fit(X, y)
    else:
        clf.partial_fit(X, y, classes=CLASSES)
    assert_array_equal(clf.classes_, CLASSES)
    # Class 0 taught nothing: its samples go to other classes.
    assert np.mean(clf.predict(X[y == 0]) == 0) < 0.5


def test_validation_set_of_classes_weighted_zero_is_refused(digits):
    X, y = digits
    zeros = y == 0
    clf = make(SoftmaxSGDClassifier, class_weight={0: 0.0}, early_stopping=True)
    with pytest.raises(ValueError, match="validation set.*class_weight is 0"):
        clf.fit(X, y, X_val=X[zeros], y_val=y[zeros])
    assert_unfitted(clf)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_on_classes_weighted_zero_is_refused(digits, Estimator):
    # Every sample of the call has weight 0: nothing to train on, and no
    # silent IndexError on the empty batch either.
    X, y = digits
    clf = make(Estimator, class_weight={0: 0.0})
    clf.partial_fit(X[:100], y[:100], classes=CLASSES)
    before = [w.copy() for w in weights_of(clf)]
    zeros = y == 0
    with pytest.raises(ValueError, match="partial_fit call has zero weight"):
        clf.partial_fit(X[zeros], y[zeros])
    for a, b in zip(before, weights_of(clf)):
        assert_array_equal(a, b)
    assert clf.n_iter_ == 1


# ----------------------------------------------------------------------
# 3. "auto" steps are computed without overflow; one too small to use is
#    refused with a clear message instead of training nothing.
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "Estimator, params",
    [
        (SoftmaxSGDClassifier, {}),
        (TwoLayerMLPClassifier, {"solver": "sgd", "learning_rate_init": "auto"}),
    ],
)
@pytest.mark.parametrize("scale, dtype", [(1e20, np.float32), (1e160, np.float64)])
def test_auto_step_on_huge_features_asks_to_scale_them(
    digits, Estimator, params, scale, dtype
):
    X, y = digits
    X = (X * scale).astype(dtype)
    clf = make(Estimator, max_iter=2, **params)
    with pytest.raises(ValueError, match="auto.*Scale the features"):
        clf.fit(X, y)
    assert_unfitted(clf)


@SHORT_FIT
def test_auto_step_on_large_float32_features_still_trains(digits):
    # The squared norms (~5e38) overflow float32: computed in float32 they
    # gave an infinite norm and a zero step (10% accuracy, no word).
    X, y = digits
    X = (X * 5e18).astype(np.float32)
    clf = make(SoftmaxSGDClassifier, max_iter=10).fit(X, y)
    assert clf.score(X, y) > 0.9


# ----------------------------------------------------------------------
# 4. Duplicate groups are canonical: dense, sparse, float32 and float64
#    copies of the data train the same model for the same seed.
# ----------------------------------------------------------------------
@SHORT_FIT
@pytest.mark.parametrize(
    "Estimator, params",
    [
        (SoftmaxSGDClassifier, {"early_stopping": True}),
        (TwoLayerMLPClassifier, {"early_stopping": True, "dropout": 0.3}),
    ],
)
def test_same_data_in_any_storage_trains_the_same_model(digits, Estimator, params):
    X, y = digits
    X, y = X[:600], y[:600]
    storages = {
        "sparse": sp.csr_matrix(X),
        "float32": X.astype(np.float32),
        "sparse float32": sp.csr_matrix(X.astype(np.float32)),
    }
    reference = make(Estimator, max_iter=5, **params).fit(X, y)
    for name, X_stored in storages.items():
        clf = make(Estimator, max_iter=5, **params).fit(X_stored, y)
        # The same validation split: the same accuracies, epoch by epoch.
        assert clf.validation_scores_ == reference.validation_scores_, name
        # The same dropout masks: the weights differ by rounding only.
        for a, b in zip(weights_of(clf), weights_of(reference)):
            assert_allclose(a, b, rtol=0, atol=1e-5, err_msg=name)


# ----------------------------------------------------------------------
# 7. Weights are normalised in float64 before any cast: no finite weight
#    overflows or vanishes on the way, and a uniform scale changes nothing.
# ----------------------------------------------------------------------
@SHORT_FIT
def test_weights_near_float64_max_train(digits):
    X, y = digits
    weight = np.ones(len(y))
    weight[:3] = 1e308  # their sum overflows float64
    clf = make(SoftmaxSGDClassifier, max_iter=5).fit(X, y, sample_weight=weight)
    assert np.isfinite(clf.coef_).all()
    # Three samples carry all the weight, and the model learns them.
    assert_array_equal(clf.predict(X[:3]), y[:3])


@SHORT_FIT
def test_weights_beyond_float32_range_on_float32_data_train(digits):
    X, y = digits
    weight = np.ones(len(y))
    weight[:3] = 1e39  # not a float32
    fits = [
        make(SoftmaxSGDClassifier, max_iter=3).fit(X.astype(dtype), y, weight)
        for dtype in (np.float32, np.float64)
    ]
    assert fits[0].coef_.dtype == np.float32
    assert_allclose(fits[0].coef_, fits[1].coef_, rtol=1e-4, atol=1e-5)


@SHORT_FIT
@pytest.mark.parametrize("scale", [1e-46, 1e300])
def test_uniform_weights_of_any_scale_train_as_unweighted(digits, scale):
    # 1e-46 is zero in float32; cast before normalising, it became a
    # ZeroDivisionError in the stratified split.
    X, y = digits
    X = X.astype(np.float32)
    weight = np.full(len(y), scale)
    params = dict(early_stopping=True, max_iter=3)
    weighted = make(SoftmaxSGDClassifier, **params).fit(X, y, sample_weight=weight)
    plain = make(SoftmaxSGDClassifier, **params).fit(X, y)
    assert_array_equal(weighted.coef_, plain.coef_)
    assert weighted.validation_scores_ == plain.validation_scores_


@SHORT_FIT
def test_weights_near_float64_max_give_finite_validation_scores(digits):
    # The validation scores are weighted means: summed raw, weights near
    # 1e308 overflowed to NaN scores (and a stopping rule blind to them).
    X, y = digits
    weight = np.ones(len(y))
    weight[::2] = 1e308
    params = dict(early_stopping=True, max_iter=3)
    clf = make(SoftmaxSGDClassifier, **params).fit(X, y, sample_weight=weight)
    assert np.isfinite(clf.validation_loss_curve_).all()
    # A power of two rescales exactly: the same split, the same model.
    scaled = make(SoftmaxSGDClassifier, **params)
    scaled.fit(X, y, sample_weight=weight * 2.0**-1000)
    assert scaled.validation_loss_curve_ == clf.validation_loss_curve_
    assert_array_equal(scaled.coef_, clf.coef_)


@SHORT_FIT
def test_huge_uniform_class_weight_scores_x_val_as_unweighted(digits):
    X, y = digits
    params = dict(early_stopping=True, max_iter=3)
    huge = make(SoftmaxSGDClassifier, class_weight={c: 1e308 for c in CLASSES})
    huge.set_params(**params).fit(X[200:], y[200:], X_val=X[:200], y_val=y[:200])
    plain = make(SoftmaxSGDClassifier, **params)
    plain.fit(X[200:], y[200:], X_val=X[:200], y_val=y[:200])
    assert huge.validation_loss_curve_ == plain.validation_loss_curve_
    assert_array_equal(huge.coef_, plain.coef_)


@SHORT_FIT
def test_weights_rescaled_by_any_factor_split_alike():
    # Integer weights make ties in the split's choice of how many groups to
    # hold out; times 0.1 the sums round apart, and argmin broke the tie the
    # other way (another validation set, another model). Found by
    # test_properties with integer weights.
    X = np.array(
        [[0, 1], [1, 2], [1, 0], [1, 1], [1, 2], [0, 0], [2, 1], [1, 1], [1, 1],
         [2, 2], [0, 1], [0, 0], [0, 0], [1, 0], [0, 0], [1, 1], [1, 1], [0, 1],
         [1, 0], [1, 0], [0, 1], [2, 2], [2, 0], [1, 2], [2, 2]],
        dtype=float,
    )  # fmt: skip
    y = np.array([0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1,
                  0, 1, 0])  # fmt: skip
    weight = np.array([1, 3, 2, 1, 1, 3, 2, 2, 3, 2, 1, 1, 1, 2, 1, 2, 3, 3, 3, 1, 3,
                       3, 2, 1, 3], dtype=float)  # fmt: skip
    params = dict(early_stopping=True, max_iter=2, random_state=276)
    plain = SoftmaxSGDClassifier(**params).fit(X, y, sample_weight=weight)
    scaled = SoftmaxSGDClassifier(**params).fit(X, y, sample_weight=weight * 0.1)
    assert_allclose(scaled.validation_scores_, plain.validation_scores_, rtol=1e-12)
    assert_allclose(scaled.predict_proba(X), plain.predict_proba(X), rtol=1e-9)


def test_weights_spanning_more_than_float32_are_refused_clearly(digits):
    # The small weights would round to 0 in float32 and silently drop out.
    X, y = digits
    weight = np.ones(len(y))
    weight[:3] = 1e50
    clf = make(SoftmaxSGDClassifier, max_iter=2)
    with pytest.raises(ValueError, match="sample weights span.*float64"):
        clf.fit(X.astype(np.float32), y, sample_weight=weight)
    assert_unfitted(clf)


# ----------------------------------------------------------------------
# 8. solver="sgd" with learning_rate_init="auto" suits standardised data,
#    one sample at a time too.
# ----------------------------------------------------------------------
def _blobs():
    return make_blobs(n_samples=300, centers=3, n_features=2, random_state=0)


def _digits_subset():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:500], y[:500]


STANDARDISED_DATA = {
    "blobs": _blobs,
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": _digits_subset,
}


@SHORT_FIT
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("batch_size", ["auto", 1])
@pytest.mark.parametrize("name", list(STANDARDISED_DATA))
def test_auto_sgd_step_converges_on_standardised_data(name, batch_size, Estimator):
    X, y = STANDARDISED_DATA[name]()
    X = StandardScaler().fit_transform(X)
    clf = make(
        Estimator,
        solver="sgd",
        learning_rate_init="auto",
        batch_size=batch_size,
        max_iter=5 if batch_size == 1 else 30,
    )
    clf.fit(X, y)
    # Converged: the model's loss far below that of predicting the class
    # frequencies (a step too large for one sample at a time ended above
    # it). The model's, not the last epoch's running loss: with averaging,
    # one sample at a time, the iterates stay noisy where their average
    # has settled.
    frequencies = np.bincount(y) / len(y)
    prior_loss = -np.sum(frequencies * np.log(frequencies))
    assert log_loss(y, clf.predict_proba(X)) < 0.5 * prior_loss
    assert clf.score(X, y) > 0.9


# ----------------------------------------------------------------------
# 12. The numba and NumPy Adam updates agree where g * g overflows float32.
# ----------------------------------------------------------------------
@SHORT_FIT
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_adam_kernel_paths_agree_when_squared_gradient_overflows(digits, Estimator):
    from skmnist._compiled import compiled_kernels, numpy_kernels

    if compiled_kernels() is None:
        pytest.skip(
            "numba is not installed (pip install 'skmnist[fast]') or is switched "
            "off by SKMNIST_NUMBA=0: there is only one kernel path to compare"
        )
    X, y = digits
    X = (X[:300] * 1e30).astype(np.float32)  # gradients ~1e30, squares inf
    y = y[:300]
    compiled = make(Estimator, solver="adam", max_iter=3).fit(X, y)
    with numpy_kernels():
        reference = make(Estimator, solver="adam", max_iter=3).fit(X, y)
    # Adam divides by the gradient's size: float32 rounding in small
    # gradients (the biases') moves its steps by ~1e-4, no more.
    for a, b in zip(weights_of(compiled), weights_of(reference)):
        assert np.isfinite(a).all()
        assert_allclose(a, b, rtol=0, atol=1e-3)
    assert_allclose(compiled.loss_curve_, reference.loss_curve_, rtol=1e-4)


# ----------------------------------------------------------------------
# 14. Allowed but absurd parameters: a result or a message naming them.
# ----------------------------------------------------------------------
@SHORT_FIT
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_invscaling_with_a_huge_power_t_trains(digits, Estimator):
    # (n + 1) ** 2000 overflows a Python float: it used to raise OverflowError.
    X, y = digits
    clf = make(
        Estimator, solver="sgd", learning_rate="invscaling", power_t=2000, max_iter=3
    ).fit(X, y)
    assert clf.n_iter_ >= 1
    assert all(np.isfinite(w).all() for w in weights_of(clf))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_adam_epsilon_that_rounds_to_zero_in_float32_is_refused(digits, Estimator):
    X, y = digits
    clf = make(Estimator, solver="adam", epsilon=1e-50, max_iter=2)
    with pytest.raises(ValueError, match="epsilon=1e-50 rounds to 0 in float32"):
        clf.fit(X.astype(np.float32), y)
    assert_unfitted(clf)
    # float64 holds it: the same estimator trains there.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert all(np.isfinite(w).all() for w in weights_of(clf))
