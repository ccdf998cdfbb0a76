"""What one ``fit`` or ``partial_fit`` call means, end to end (issue 9).

One section per numbered item of issue 9 (each test there failed on the
engine the issue describes), then the end-to-end tests the issue asks for:
the patience rule running out, class weights, the "adaptive" schedule, seeds,
warm starts, sparse ``X_val``, threads, the size of a weighted step, verbose
output, Ctrl-C and the public gradient check. Only the public API is used.
"""

import copy
import io
import re
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist._evaluation import mean_squared_norm
from skmnist._models import SoftmaxModel
from skmnist.schedules import StepSchedule

ESTIMATORS = [SoftmaxSGDClassifier, TwoLayerMLPClassifier]
SHORT_FIT = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
CLASSES = np.arange(10)
#: One step of plain SGD per epoch needs these with ``batch_size=n_samples``.
PLAIN_SGD = dict(solver="sgd", momentum=0, alpha=0, shuffle=False, average=False)


def make(Estimator, **params):
    """A small seeded estimator (16 hidden units for the MLP)."""
    if Estimator is TwoLayerMLPClassifier:
        params.setdefault("n_hidden", 16)
    params.setdefault("random_state", 0)
    return Estimator(**params)


def weights_of(clf):
    """The fitted weight and bias arrays, copied, in a list."""
    if isinstance(clf, TwoLayerMLPClassifier):
        return [a.copy() for a in clf.coefs_ + clf.intercepts_]
    return [clf.coef_.copy(), clf.intercept_.copy()]


def assert_same_weights(a, b, **tolerance):
    for x, y in zip(weights_of(a), weights_of(b)):
        assert_allclose(x, y, **tolerance)


def _penalty(clf):
    """``alpha / 2`` times the squared norm of the weights (not the biases)."""
    if isinstance(clf, TwoLayerMLPClassifier):
        squared = sum(float((w**2).sum()) for w in clf.coefs_)
    else:
        squared = float((clf.coef_**2).sum())
    return clf.alpha / 2 * squared


def max_weight_difference(a, b):
    return max(np.abs(x - y).max() for x, y in zip(weights_of(a), weights_of(b)))


def initial_weights(clf, X, y):
    """The weights ``clf`` starts from: one step too small to move them."""
    start = clone(clf).set_params(learning_rate_init=1e-300, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return start.fit(X, y)


@pytest.fixture(scope="module")
def data(digits):
    """400 training and 300 validation digits, and a 200-digit subset."""
    X, y = digits
    return {
        "X": X[:400],
        "y": y[:400],
        "X_val": X[400:700],
        "y_val": y[400:700],
        "X_small": X[:200],
        "y_small": y[:200],
    }


# ----------------------------------------------------------------------
# 1. Patience rule: the epoch that ended early reports its own mean loss.
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_patience_partial_epoch_reports_the_mean_loss_of_its_batches(Estimator, digits):
    # The configuration, with a step too small to move the weights
    # and no shuffling, so that each epoch's loss is known: the mean loss of
    # the model on the rows it went through. The epoch the patience cut short
    # went through the first rows only (it was divided by all of them, and
    # came out ~60 times too small).
    X, y = digits
    X_train, y_train = X[:1000], y[:1000]
    clf = make(
        Estimator,
        solver="sgd",
        learning_rate_init=1e-9,
        average=False,
        shuffle=False,
        early_stopping=True,
        patience=18,
        patience_increase=1.0,
        validation_frequency=3,
        batch_size=100,
        max_iter=20,
    ).fit(X_train, y_train, X_val=X[1000:1300], y_val=y[1000:1300])
    rows_in_last_epoch = clf.t_ - (clf.n_iter_ - 1) * 1000
    assert 0 < rows_in_last_epoch < 1000, "the patience runs out within an epoch"
    assert clf.n_iter_ < 20

    def mean_loss(rows):
        proba = clf.predict_proba(X_train[rows])
        return log_loss(y_train[rows], proba, labels=CLASSES) + _penalty(clf)

    full_epoch = mean_loss(slice(None))
    assert_allclose(clf.loss_curve_[:-1], full_epoch, rtol=1e-6)
    assert_allclose(clf.loss_, mean_loss(slice(rows_in_last_epoch)), rtol=1e-6)
    assert clf.loss_ == clf.loss_curve_[-1]


# ----------------------------------------------------------------------
# 2. Patience rule: a configuration that cannot validate is refused, and
#    every early-stopped fit validated and restored something.
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_validation_frequency_longer_than_patience_is_refused(Estimator, data):
    clf = make(Estimator, early_stopping=True, patience=2, validation_frequency=10)
    with pytest.raises(ValueError, match="validation_frequency") as error:
        clf.fit(data["X"], data["y"])
    assert "patience" in str(error.value)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "patience, validation_frequency", [(1, None), (2, None), (3, 3), (10, 10)]
)
def test_an_early_stopped_fit_always_validated_and_restored(
    Estimator, data, patience, validation_frequency
):
    clf = make(
        Estimator,
        early_stopping=True,
        monitor="accuracy",
        patience=patience,
        validation_frequency=validation_frequency,
        batch_size=50,
    ).fit(data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"])
    assert clf.validation_scores_
    assert clf.best_validation_score_ is not None
    assert clf.score(data["X_val"], data["y_val"]) == clf.best_validation_score_


# ----------------------------------------------------------------------
# 3. n_iter_no_change: MLPClassifier's n + 1 for the MLP, SGDClassifier's n
#    for softmax, and np.inf.
# ----------------------------------------------------------------------

#: Epochs before the stop when only the first epoch counts as progress:
#: MLPClassifier stops after more than n bad epochs, SGDClassifier after n.
EPOCHS_TO_STOP = {
    TwoLayerMLPClassifier: lambda n: 1 + (n + 1),
    SoftmaxSGDClassifier: lambda n: 1 + n,
}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("n_iter_no_change", [1, 3])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_n_iter_no_change_counts_as_scikit_learn_does(
    Estimator, n_iter_no_change, early_stopping, data
):
    # With tol=1e9 no epoch but the first counts as progress.
    clf = make(
        Estimator,
        tol=1e9,
        n_iter_no_change=n_iter_no_change,
        max_iter=50,
        early_stopping=early_stopping,
    )
    validation = (
        dict(X_val=data["X_val"], y_val=data["y_val"]) if early_stopping else {}
    )
    clf.fit(data["X_small"], data["y_small"], **validation)
    assert clf.n_iter_ == EPOCHS_TO_STOP[Estimator](n_iter_no_change)
    assert len(clf.loss_curve_) == clf.n_iter_
    if early_stopping:
        assert len(clf.validation_scores_) == clf.n_iter_


def test_mlp_accepts_n_iter_no_change_inf(data):
    clf = make(TwoLayerMLPClassifier, tol=1e9, n_iter_no_change=np.inf, max_iter=15)
    with pytest.warns(ConvergenceWarning):
        clf.fit(data["X_small"], data["y_small"])
    assert clf.n_iter_ == 15


# ----------------------------------------------------------------------
# 4. n_iter_ counts the epochs of one call; t_ and loss_curve_ accumulate.
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_n_iter_is_per_call_while_t_and_loss_curve_accumulate(Estimator, data):
    X, y = data["X_small"], data["y_small"]
    n = len(y)
    clf = make(Estimator, warm_start=True, max_iter=3)

    def assert_counts(n_iter, t, n_losses):
        assert (clf.n_iter_, clf.t_, len(clf.loss_curve_)) == (n_iter, t, n_losses)

    clf.fit(X, y)
    assert_counts(3, 3 * n, 3)
    clf.fit(X, y)
    assert_counts(3, 6 * n, 6)
    clf.partial_fit(X, y)
    assert_counts(1, 7 * n, 7)
    clf.partial_fit(X, y)
    assert_counts(1, 8 * n, 8)
    clf.set_params(warm_start=False).fit(X, y)
    assert_counts(3, 3 * n, 3)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_n_iter_is_one_after_each_partial_fit(Estimator, data):
    X, y = data["X_small"], data["y_small"]
    clf = make(Estimator)
    for calls in (1, 2, 3):
        clf.partial_fit(X, y, classes=CLASSES)
        assert clf.n_iter_ == 1
        assert clf.t_ == calls * len(y)
        assert len(clf.loss_curve_) == calls


# ----------------------------------------------------------------------
# 5. "invscaling" continues from the samples already seen.
# ----------------------------------------------------------------------


def _softmax_sgd_epoch(coef, intercept, X, y, batch_size, rate_at):
    """One plain-SGD epoch of softmax regression, computed by hand.

    ``rate_at(t)`` is the step size after ``t`` samples of the epoch.
    """
    coef, intercept = coef.copy(), intercept.copy()
    Y = np.eye(coef.shape[0])[y]
    for start in range(0, len(y), batch_size):
        rows = slice(start, start + batch_size)
        logits = X[rows] @ coef.T + intercept
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        delta = (proba - Y[rows]) / len(y[rows])
        rate = rate_at(start)
        coef -= rate * delta.T @ X[rows]
        intercept -= rate * delta.sum(axis=0)
    return coef, intercept


@pytest.mark.parametrize("continuation", ["warm_start", "partial_fit"])
@SHORT_FIT
def test_invscaling_rate_continues_from_the_updates_seen(continuation, data):
    # Each step uses learning_rate_init / (k + 1) ** power_t, k the updates
    # made before it, counted across calls (updates rather than samples, so
    # that a weight k equals k repetitions): checked against the same epoch
    # computed by hand from the weights the call starts from.
    X, y = data["X_small"], data["y_small"]
    clf = make(
        SoftmaxSGDClassifier,
        **PLAIN_SGD,
        learning_rate="invscaling",
        learning_rate_init=0.5,
        power_t=0.5,
        batch_size=50,
        max_iter=1,
        warm_start=True,
    )
    if continuation == "warm_start":
        clf.fit(X, y)
    else:
        clf.partial_fit(X, y, classes=CLASSES)
    coef, intercept, t0 = clf.coef_.copy(), clf.intercept_.copy(), clf.t_
    assert t0 == len(y)
    k0 = -(-len(y) // 50)  # the updates of the first call
    expected = _softmax_sgd_epoch(
        coef, intercept, X, y, 50, lambda t: 0.5 / (k0 + t // 50 + 1) ** 0.5
    )
    if continuation == "warm_start":
        clf.fit(X, y)
    else:
        clf.partial_fit(X, y)
    assert_allclose(clf.coef_, expected[0], rtol=1e-9, atol=1e-12)
    assert_allclose(clf.intercept_, expected[1], rtol=1e-9, atol=1e-12)


@SHORT_FIT
def test_two_warm_started_epochs_equal_one_fit_of_two_epochs(data):
    # With plain SGD the optimizer has no state but the schedule, so two
    # one-epoch warm-started fits and one two-epoch fit take the same steps.
    X, y = data["X_small"], data["y_small"]
    params = dict(
        **PLAIN_SGD,
        learning_rate="invscaling",
        learning_rate_init=0.2,
        power_t=0.5,
        batch_size=50,
    )
    warm = make(TwoLayerMLPClassifier, warm_start=True, max_iter=1, **params)
    warm.fit(X, y).fit(X, y)
    cold = make(TwoLayerMLPClassifier, max_iter=2, **params).fit(X, y)
    assert_same_weights(warm, cold, rtol=1e-10, atol=1e-13)


# ----------------------------------------------------------------------
# 6. float32 and float64 input give the same model up to rounding.
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"dropout": 0.3}, {"early_stopping": True}, {"solver": "sgd"}],
    ids=["adam", "dropout", "early_stopping", "sgd"],
)
@SHORT_FIT
def test_float32_and_float64_give_the_same_model(params, data):
    # Same initial weights, dropout masks and validation split: only float32
    # rounding differs (about 1e-7 here; it was 0.6).
    X, y = data["X"], data["y"]
    fits = {
        dtype: make(TwoLayerMLPClassifier, max_iter=2, **params).fit(X.astype(dtype), y)
        for dtype in (np.float32, np.float64)
    }
    single, double = fits[np.float32], fits[np.float64]
    assert single.coefs_[0].dtype == np.float32
    assert max_weight_difference(single, double) < 1e-5
    if params.get("early_stopping"):
        assert_allclose(
            single.validation_loss_curve_, double.validation_loss_curve_, rtol=1e-4
        )


# ----------------------------------------------------------------------
# 7. The loss is the weighted mean, on one scale everywhere.
# ----------------------------------------------------------------------


def _expected_loss(clf, X, y, sample_weight):
    proba = clf.predict_proba(X)
    data_loss = log_loss(y, proba, sample_weight=sample_weight, labels=clf.classes_)
    return data_loss + _penalty(clf)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_loss_is_the_weighted_mean_in_fit_and_partial_fit(
    Estimator, average, alpha, data
):
    # A step too small to move the weights: every way of computing the epoch
    # loss must give the model's weighted mean cross-entropy plus the penalty,
    # whatever the scale of the weights.
    X, y = data["X_small"], data["y_small"]
    weights = np.random.default_rng(0).uniform(0.5, 5.0, len(y))
    params = dict(
        solver="sgd",
        learning_rate_init=1e-12,
        average=average,
        alpha=alpha,
        batch_size=64,
        max_iter=1,
    )
    expected = None
    for scale in (1.0, 5.0):
        partial = make(Estimator, **params)
        partial.partial_fit(X, y, classes=CLASSES, sample_weight=scale * weights)
        if expected is None:
            expected = _expected_loss(partial, X, y, weights)
        assert_allclose(partial.loss_, expected, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full = make(Estimator, **params).fit(X, y, sample_weight=5 * weights)
    assert_allclose(full.loss_, expected, rtol=1e-6)


# ----------------------------------------------------------------------
# 8. average=<int> counts the samples of the current fit call.
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_average_start_counts_the_samples_of_this_fit(Estimator, data):
    X, y = data["X_small"], data["y_small"]
    n = len(y)
    params = dict(solver="sgd", batch_size=50, warm_start=True, max_iter=2)
    plain = make(Estimator, average=False, **params).fit(X, y)
    # Starts after 2.5 epochs: never within a fit of at most two epochs ...
    late = make(Estimator, average=5 * n // 2, **params).fit(X, y)
    assert_same_weights(late, plain, rtol=0, atol=0)
    # ... not even in a warm-started one, though 2n samples came before.
    plain.set_params(max_iter=1).fit(X, y)
    late.set_params(max_iter=1).fit(X, y)
    assert_same_weights(late, plain, rtol=0, atol=0)
    # Whereas a start within the call does average.
    early = make(Estimator, average=n // 2, **params).fit(X, y)
    plain = make(Estimator, average=False, **params).fit(X, y)
    assert max_weight_difference(early, plain) > 0


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_average_start_in_partial_fit_counts_from_the_first_call(Estimator, data):
    X, y = data["X_small"], data["y_small"]
    n = len(y)
    params = dict(solver="sgd", batch_size=50)
    plain = make(Estimator, average=False, **params)
    late = make(Estimator, average=5 * n // 2, **params)
    for call in range(3):
        plain.partial_fit(X, y, classes=CLASSES)
        late.partial_fit(X, y, classes=CLASSES)
        same = max_weight_difference(late, plain) == 0
        assert same == (call < 2), f"averaging starts in call 3, not {call + 1}"


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("average", [True, 50])
@pytest.mark.parametrize("learning_rate", ["constant", "adaptive"])
def test_averaging_changes_the_model_returned_never_the_path(
    Estimator, average, learning_rate, data
):
    # As in SGDClassifier, the training loss is the iterates' running loss
    # whether or not they are averaged, so the stopping rule and the
    # "adaptive" schedule read the same numbers and stop at the same epoch;
    # only the weights returned differ.
    X, y = data["X_small"], data["y_small"]
    params = dict(solver="sgd", batch_size=50, max_iter=60, tol=1e-2)
    params.update(learning_rate=learning_rate, n_iter_no_change=2)
    plain = make(Estimator, average=False, **params).fit(X, y)
    averaged = make(Estimator, average=average, **params).fit(X, y)
    assert averaged.loss_curve_ == plain.loss_curve_
    assert 2 < averaged.n_iter_ < 60  # a rule, not the budget, stopped both
    assert max_weight_difference(averaged, plain) > 0


@SHORT_FIT
def test_an_averaged_fit_makes_no_scoring_pass_over_its_training_set(data, monkeypatch):
    # Scoring the average each epoch was a forward pass over every row:
    # half a softmax epoch's arithmetic on MNIST. Only a validation set is
    # scored now.
    from skmnist import _evaluation

    def refuse(self, *args, **kwargs):
        raise AssertionError("a data set was scored")

    monkeypatch.setattr(_evaluation.Evaluator, "_score", refuse)
    X, y = data["X_small"], data["y_small"]
    make(SoftmaxSGDClassifier, average=True, max_iter=3, tol=0).fit(X, y)
    validated = make(SoftmaxSGDClassifier, early_stopping=True, max_iter=3)
    with pytest.warns(UserWarning, match="keeps the model"):
        with pytest.raises(AssertionError, match="scored"):
            validated.fit(X, y)


@pytest.mark.parametrize(
    "learning_rate", ["constant", "invscaling", StepSchedule([1], gamma=0.5)]
)
def test_partial_fit_keeps_the_auto_step_of_its_first_call(learning_rate, data):
    # "auto" derives the step from the first call's data; a later chunk of
    # another scale neither changes it nor is scanned for it.
    X, y = data["X_small"], data["y_small"]
    half = len(y) // 2
    first, later = X[:half], 3 * X[half:]
    step, later_step = (
        SoftmaxModel().auto_learning_rate("sgd", mean_squared_norm(chunk), 50)
        for chunk in (first, later)
    )
    assert step != later_step  # the test could tell them apart
    kept = make(SoftmaxSGDClassifier, learning_rate=learning_rate, batch_size=50)
    fixed = clone(kept).set_params(learning_rate_init=step)
    for clf in (kept, fixed):
        clf.partial_fit(first, y[:half], classes=CLASSES)
        clf.partial_fit(later, y[half:])
    assert_same_weights(kept, fixed, rtol=0, atol=0)
    assert kept.learning_rate_curve_ == fixed.learning_rate_curve_


def test_a_resumed_partial_fit_does_not_measure_its_data_again(data, monkeypatch):
    X, y = data["X_small"], data["y_small"]
    clf = make(SoftmaxSGDClassifier, learning_rate="invscaling")
    clf.partial_fit(X, y, classes=CLASSES)

    def refuse(*args, **kwargs):
        raise AssertionError("the data scale was measured again")

    monkeypatch.setattr("skmnist._trainer.mean_squared_norm", refuse)
    clf.partial_fit(X, y)
    with pytest.raises(AssertionError, match="measured again"):
        clone(clf).partial_fit(X, y, classes=CLASSES)  # a first call measures


def test_a_kept_auto_step_too_small_for_new_data_is_refused(data):
    # The first call's float64 data gives a step below float32's smallest
    # normal number: a later float32 call is refused as a first one would be.
    X, y = data["X_small"], data["y_small"]
    huge = X * 1e20
    clf = make(SoftmaxSGDClassifier, learning_rate="invscaling")
    clf.partial_fit(huge, y, classes=CLASSES)
    before = weights_of(clf)
    with pytest.raises(ValueError, match="too small for float32"):
        clf.partial_fit(huge.astype(np.float32), y)
    for a, b in zip(before, weights_of(clf)):
        assert_array_equal(a, b)


# ----------------------------------------------------------------------
# 9. The best weights come back with their own optimizer state.
# ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "Estimator, params",
    [
        (TwoLayerMLPClassifier, dict(solver="sgd", learning_rate_init=0.3)),
        (TwoLayerMLPClassifier, dict(solver="adam", learning_rate_init=0.02)),
        (SoftmaxSGDClassifier, dict(solver="sgd", average=False)),
        (SoftmaxSGDClassifier, dict(solver="adam", average=False)),
        (SoftmaxSGDClassifier, dict(solver="sgd", average=True)),
    ],
    ids=["mlp-sgd", "mlp-adam", "softmax-sgd", "softmax-adam", "softmax-average"],
)
@SHORT_FIT
def test_partial_fit_after_early_stopping_continues_from_the_best_state(
    Estimator, params, data
):
    # A fit that ran exactly to the best epoch ends in the state the early-
    # stopped fit restores: a following partial_fit must do the same in both
    # (momentum, Adam's moments and step count, the running average).
    X, y = data["X"], data["y"]
    validation = dict(X_val=data["X_val"], y_val=data["y_val"])
    common = dict(
        early_stopping=True, monitor="accuracy", n_iter_no_change=2, tol=0, **params
    )
    stopped = make(Estimator, max_iter=60, **common).fit(X, y, **validation)
    best_epoch = int(np.argmax(stopped.validation_scores_)) + 1
    assert best_epoch < stopped.n_iter_ < 60
    to_best = make(Estimator, max_iter=best_epoch, **common).fit(X, y, **validation)
    assert_same_weights(stopped, to_best, rtol=0, atol=0)
    for clf in (stopped, to_best):
        clf.set_params(shuffle=False).partial_fit(X, y)
    assert_same_weights(stopped, to_best, rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------
# 10. Parameters changed between partial_fit calls.
# ----------------------------------------------------------------------

#: Two values of each parameter fixed with the weights or the optimizer.
REFIT_PARAMS = {
    "n_hidden": (16, 7),
    "activation": ("relu", "tanh"),
    "solver": ("sgd", "adam"),
    "learning_rate": ("constant", "invscaling"),
    "learning_rate_init": (0.001, 0.05),
    "momentum": (0.9, 0.5),
    "nesterovs_momentum": (True, False),
    "beta_1": (0.9, 0.8),
    "beta_2": (0.999, 0.99),
    "epsilon": (1e-8, 1e-6),
    "power_t": (0.5, 0.25),
    "average": (False, True),
}
ARCHITECTURE = ("n_hidden", "activation")


def _changed(clf, name):
    """A value of ``name`` other than ``clf``'s."""
    first, second = REFIT_PARAMS[name]
    return second if clf.get_params()[name] == first else first


def _refit_cases():
    for Estimator in ESTIMATORS:
        for name in REFIT_PARAMS:
            if name in Estimator().get_params():
                yield pytest.param(Estimator, name, id=f"{Estimator.__name__}-{name}")


@pytest.mark.parametrize("Estimator, name", list(_refit_cases()))
def test_partial_fit_refuses_a_changed_model_or_optimizer_parameter(
    Estimator, name, data
):
    X, y = data["X_small"], data["y_small"]
    clf = make(Estimator).partial_fit(X, y, classes=CLASSES)
    before = weights_of(clf)
    clf.set_params(**{name: _changed(clf, name)})
    with pytest.raises(ValueError, match=name) as error:
        clf.partial_fit(X, y)
    assert re.search(r"refit|fit\(\)|warm_start=False", str(error.value))
    for old, now in zip(before, weights_of(clf)):
        assert_array_equal(old, now)
    clf.predict(X)


#: Parameters a partial_fit call reads afresh, with a second value.
LIVE_PARAMS = {
    "dropout": 0.5,
    "alpha": 0.1,
    "batch_size": 20,
    "shuffle": False,
    "class_weight": {0: 5.0, 1: 0.2},
}


def _live_cases():
    for Estimator in ESTIMATORS:
        for name in LIVE_PARAMS:
            if name in Estimator().get_params():
                yield pytest.param(Estimator, name, id=f"{Estimator.__name__}-{name}")


@pytest.mark.parametrize("Estimator, name", list(_live_cases()))
def test_partial_fit_applies_a_changed_training_parameter(Estimator, name, data):
    X, y = data["X_small"], data["y_small"]
    clf = make(Estimator, batch_size=50).partial_fit(X, y, classes=CLASSES)
    unchanged = copy.deepcopy(clf)
    clf.set_params(**{name: LIVE_PARAMS[name]})
    clf.partial_fit(X, y)
    unchanged.partial_fit(X, y)
    assert max_weight_difference(clf, unchanged) > 1e-6


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_applies_tol_and_verbose(Estimator, data, capsys):
    X, y = data["X_small"], data["y_small"]
    clf = make(Estimator).partial_fit(X, y, classes=CLASSES)
    capsys.readouterr()
    clf.set_params(tol=0.5, verbose=True).partial_fit(X, y)
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("name", ARCHITECTURE)
@SHORT_FIT
def test_warm_start_refuses_a_changed_architecture(name, data):
    X, y = data["X_small"], data["y_small"]
    clf = make(TwoLayerMLPClassifier, warm_start=True, max_iter=2).fit(X, y)
    clf.set_params(**{name: _changed(clf, name)})
    with pytest.raises(ValueError, match=name) as error:
        clf.fit(X, y)
    assert re.search(r"refit|fit\(\)|warm_start=False", str(error.value))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("name", ["solver", "learning_rate_init", "momentum"])
@SHORT_FIT
def test_warm_start_applies_a_changed_optimizer_parameter(Estimator, name, data):
    X, y = data["X_small"], data["y_small"]
    clf = make(Estimator, warm_start=True, max_iter=2, solver="sgd").fit(X, y)
    unchanged = copy.deepcopy(clf)
    clf.set_params(**{name: _changed(clf, name)})
    clf.fit(X, y)
    unchanged.fit(X, y)
    assert max_weight_difference(clf, unchanged) > 1e-6


# ----------------------------------------------------------------------
# 11. best_validation_score_ is the best validation accuracy.
# ----------------------------------------------------------------------

#: Configurations whose best-accuracy and lowest-loss epochs differ.
DIVERGING_CRITERIA = [
    (TwoLayerMLPClassifier, dict(learning_rate_init=0.03)),
    (SoftmaxSGDClassifier, {}),
]


@pytest.mark.parametrize("Estimator, params", DIVERGING_CRITERIA)
def test_early_stopping_on_accuracy_keeps_the_most_accurate_weights(
    Estimator, params, data
):
    # The default watches the loss (benchmarks/bench_early_stopping_monitor.py
    # measured it better); "accuracy" is MLPClassifier's choice.
    assert Estimator().get_params()["monitor"] == "loss"
    clf = make(
        Estimator, early_stopping=True, monitor="accuracy", max_iter=100, **params
    )
    clf.fit(data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"])
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.score(data["X_val"], data["y_val"]) == clf.best_validation_score_


@pytest.mark.parametrize("Estimator, params", DIVERGING_CRITERIA)
def test_early_stopping_on_loss_keeps_the_lowest_loss_weights(Estimator, params, data):
    clf = make(Estimator, early_stopping=True, monitor="loss", max_iter=100, **params)
    clf.fit(data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"])
    assert clf.best_validation_loss_ == min(clf.validation_loss_curve_)
    restored = log_loss(
        data["y_val"], clf.predict_proba(data["X_val"]), labels=clf.classes_
    )
    assert_allclose(restored, clf.best_validation_loss_, rtol=1e-6)


# ----------------------------------------------------------------------
# 12. X_val weighted by class; zero-weight classes kept; Ctrl-C.
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_a_given_validation_set_is_weighted_by_class_weight(Estimator, data):
    class_weight = {0: 10.0, 1: 0.1, 8: 5.0}
    clf = make(Estimator, class_weight=class_weight, max_iter=3)
    clf.fit(data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"])
    y_val = data["y_val"]
    weight = np.array([class_weight.get(label, 1.0) for label in y_val])
    predicted = clf.predict(data["X_val"])
    accuracy = accuracy_score(y_val, predicted, sample_weight=weight)
    assert accuracy != accuracy_score(y_val, predicted), "a weak test otherwise"
    assert_allclose(clf.validation_scores_[-1], accuracy, rtol=1e-9)
    loss = log_loss(
        y_val, clf.predict_proba(data["X_val"]), sample_weight=weight, labels=CLASSES
    )
    assert_allclose(clf.validation_loss_curve_[-1], loss, rtol=1e-6)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_a_class_with_only_zero_weight_samples_stays_a_class(Estimator, data):
    X, y = data["X_small"], data["y_small"]
    weight = np.where(y == 9, 0.0, 1.0)
    clf = make(Estimator, max_iter=3).fit(X, y, sample_weight=weight)
    assert_array_equal(clf.classes_, CLASSES)
    assert clf.predict_proba(X).shape == (len(y), 10)


class InterruptingStdout(io.StringIO):
    """A stdout that raises KeyboardInterrupt at its ``at``-th non-blank line."""

    def __init__(self, at):
        super().__init__()
        self.at = at
        self.lines = 0

    def write(self, text):
        if text.strip():
            self.lines += 1
            if self.lines == self.at:
                raise KeyboardInterrupt
        return super().write(text)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_ctrl_c_keeps_the_model_trained_so_far(Estimator, data, monkeypatch):
    # As MLPClassifier: a warning, and the epochs trained are kept.
    monkeypatch.setattr(sys, "stdout", InterruptingStdout(at=3))
    clf = make(Estimator, verbose=True, max_iter=50, n_iter_no_change=50)
    try:
        with pytest.warns(UserWarning, match="^Training interrupted by user"):
            clf.fit(data["X_small"], data["y_small"])
    except KeyboardInterrupt:
        pytest.fail("fit let the KeyboardInterrupt through")
    check_is_fitted(clf)
    assert 1 <= clf.n_iter_ <= 3
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.predict(data["X_small"]).shape == data["y_small"].shape


# ----------------------------------------------------------------------
# End to end: the patience rule
# ----------------------------------------------------------------------


def _tutorial_stop(errors, patience, increase, threshold, frequency):
    """Replay the Theano tutorial's loop on validation errors at the checks.

    Return ``(n_checks, n_minibatches)`` the loop runs before its patience
    runs out, or None if the errors end first.
    """
    best = np.inf
    checks = iter(errors)
    iteration = 0
    n_checks = 0
    while True:
        if (iteration + 1) % frequency == 0:
            error = next(checks, None)
            if error is None:
                return None
            n_checks += 1
            if error < best:
                if error < best * threshold:
                    patience = max(patience, iteration * increase)
                best = error
        if patience <= iteration:
            return n_checks, iteration + 1
        iteration += 1


@pytest.mark.parametrize(
    "Estimator, params",
    [(SoftmaxSGDClassifier, {}), (TwoLayerMLPClassifier, {"learning_rate_init": 0.01})],
)
def test_patience_runs_out_and_restores_the_best_weights(Estimator, params, data):
    # The run is replayed with the tutorial's loop on the recorded scores: it
    # must stop at the minibatch the loop stops at, well before max_iter.
    rule = dict(patience=24, patience_increase=1.5, improvement_threshold=0.95)
    clf = make(
        Estimator,
        early_stopping=True,
        monitor="accuracy",
        validation_frequency=4,
        batch_size=50,
        max_iter=100,
        **rule,
        **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"])
    errors = [1 - score for score in clf.validation_scores_]
    stop = _tutorial_stop(
        errors,
        rule["patience"],
        rule["patience_increase"],
        rule["improvement_threshold"],
        4,
    )
    assert stop is not None, "the patience never ran out"
    n_checks, n_minibatches = stop
    # Where the patience runs out between checks, the engine validates once
    # more, so that the weights it ends with are always scored.
    final_check = n_minibatches % 4 != 0
    assert len(clf.validation_scores_) == n_checks + final_check
    assert clf.t_ == 50 * n_minibatches
    assert clf.n_iter_ == -(-n_minibatches // 8) < 100
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.score(data["X_val"], data["y_val"]) == clf.best_validation_score_


# ----------------------------------------------------------------------
# End to end: class weights
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("class_weight", [{0: 3.0, 7: 0.5}, "balanced"])
@SHORT_FIT
def test_class_weight_equals_the_same_sample_weights(Estimator, class_weight, data):
    # An unbalanced subset, so that "balanced" weights are not all 1.
    keep = (data["y"] < 5) | (np.arange(len(data["y"])) % 3 == 0)
    X, y = data["X"][keep], data["y"][keep]
    per_class = compute_class_weight(class_weight, classes=CLASSES, y=y)
    assert np.ptp(per_class) > 0
    weighted = make(Estimator, class_weight=class_weight, max_iter=3).fit(X, y)
    by_sample = make(Estimator, max_iter=3).fit(X, y, sample_weight=per_class[y])
    unweighted = make(Estimator, max_iter=3).fit(X, y)
    assert_same_weights(weighted, by_sample, rtol=1e-10, atol=1e-12)
    assert max_weight_difference(weighted, unweighted) > 1e-4


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_class_weight_dict_in_partial_fit_equals_sample_weight(Estimator, data):
    X, y = data["X_small"], data["y_small"]
    class_weight = {0: 3.0, 7: 0.5}
    per_class = np.array([class_weight.get(c, 1.0) for c in CLASSES])
    weighted = make(Estimator, class_weight=class_weight)
    weighted.partial_fit(X, y, classes=CLASSES)
    by_sample = make(Estimator).partial_fit(
        X, y, classes=CLASSES, sample_weight=per_class[y]
    )
    assert_same_weights(weighted, by_sample, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_refuses_balanced_class_weight(Estimator, data):
    clf = make(Estimator, class_weight="balanced")
    with pytest.raises(ValueError, match="balanced"):
        clf.partial_fit(data["X_small"], data["y_small"], classes=CLASSES)


# ----------------------------------------------------------------------
# End to end: the "adaptive" schedule inside the loop
# ----------------------------------------------------------------------


@SHORT_FIT
def test_adaptive_divides_the_rate_by_five_on_each_plateau(data):
    # One plain-SGD step per epoch. Epoch k's step is compared with a
    # constant-rate step from the same weights: their ratio is the factor
    # the schedule applied. With tol=1e9 only the first epoch is progress,
    # so with n_iter_no_change=2 each plateau is 3 epochs (MLPClassifier's
    # "more than n"): rate for epochs 1-4, rate / 5 for 5-7, rate / 25 for 8.
    X, y = data["X_small"], data["y_small"]
    params = dict(
        **PLAIN_SGD,
        batch_size=len(y),
        tol=1e9,
        n_iter_no_change=2,
        learning_rate_init=0.1,
    )
    adaptive = make(TwoLayerMLPClassifier, learning_rate="adaptive", **params)
    previous = initial_weights(adaptive, X, y)
    ratios = []
    for epoch in range(1, 9):
        current = clone(adaptive).set_params(max_iter=epoch).fit(X, y)
        constant_step = copy.deepcopy(previous).set_params(
            learning_rate="constant", learning_rate_init=0.1, warm_start=True
        )
        constant_step.set_params(max_iter=1).fit(X, y)
        step = np.concatenate(
            [(a - b).ravel() for a, b in zip(weights_of(current), weights_of(previous))]
        )
        reference = np.concatenate(
            [
                (a - b).ravel()
                for a, b in zip(weights_of(constant_step), weights_of(previous))
            ]
        )
        ratios.append(step @ reference / (reference @ reference))
        previous = current
    assert_allclose(ratios, [1, 1, 1, 1, 0.2, 0.2, 0.2, 0.04], rtol=1e-6)


# ----------------------------------------------------------------------
# End to end: seeds drive the validation split and the shuffling
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_seeds_change_the_validation_split(Estimator, data):
    # Warm-started from one model with a step too small to move it, the
    # first validation loss is that model's loss on the split: the same for
    # the same seed, another for another seed.
    X, y = data["X"], data["y"]
    base = make(Estimator, warm_start=True, max_iter=3).fit(X, y)

    def first_validation_loss(seed):
        clf = copy.deepcopy(base).set_params(
            random_state=seed, early_stopping=True, learning_rate_init=1e-12
        )
        clf.set_params(max_iter=1).fit(X, y)
        return clf.validation_loss_curve_[-1]

    assert first_validation_loss(0) == first_validation_loss(0)
    assert abs(first_validation_loss(0) - first_validation_loss(1)) > 1e-4


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_seeds_change_the_shuffle_and_nothing_else(Estimator, data):
    X, y = data["X_small"], data["y_small"]
    base = make(Estimator, warm_start=True, max_iter=1, batch_size=10).fit(X, y)

    def one_epoch(seed, shuffle):
        clf = copy.deepcopy(base).set_params(random_state=seed, shuffle=shuffle)
        return clf.fit(X, y)

    assert max_weight_difference(one_epoch(0, True), one_epoch(0, True)) == 0
    assert max_weight_difference(one_epoch(0, True), one_epoch(1, True)) > 1e-4
    assert max_weight_difference(one_epoch(0, False), one_epoch(1, False)) == 0


# ----------------------------------------------------------------------
# End to end: warm starts
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("average", [False, True])
@SHORT_FIT
def test_warm_start_starts_from_the_previous_weights(Estimator, average, data):
    X, y = data["X_small"], data["y_small"]
    clf = make(
        Estimator,
        warm_start=True,
        max_iter=5,
        average=average,
        learning_rate_init=0.01 if Estimator is TwoLayerMLPClassifier else "auto",
    ).fit(X, y)
    previous = copy.deepcopy(clf)
    clf.set_params(learning_rate_init=1e-8, max_iter=1).fit(X, y)
    assert max_weight_difference(clf, previous) < 1e-5
    cold = clone(clf).set_params(warm_start=False).fit(X, y)
    assert max_weight_difference(cold, previous) > 1e-2


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_warm_start_with_early_stopping_continues_from_the_restored_weights(
    Estimator, data
):
    validation = dict(X_val=data["X_val"], y_val=data["y_val"])
    clf = make(
        Estimator, warm_start=True, early_stopping=True, monitor="accuracy", max_iter=30
    )
    clf.fit(data["X"], data["y"], **validation)
    restored_score = clf.score(data["X_val"], data["y_val"])
    assert restored_score == clf.best_validation_score_
    clf.set_params(learning_rate_init=1e-9).fit(data["X"], data["y"], **validation)
    # The new fit's first check scores (nearly) the weights it started from.
    assert clf.validation_scores_[-clf.n_iter_] == restored_score
    assert clf.score(data["X_val"], data["y_val"]) == clf.best_validation_score_


# ----------------------------------------------------------------------
# End to end: sparse X_val, threads, the size of a weighted step
# ----------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_sparse_validation_set_equals_dense(Estimator, data):
    X, y, X_val, y_val = data["X"], data["y"], data["X_val"], data["y_val"]
    params = dict(early_stopping=True, max_iter=10)
    dense = make(Estimator, **params).fit(X, y, X_val=X_val, y_val=y_val)
    sparse = make(Estimator, **params).fit(
        X, y, X_val=sp.csr_matrix(X_val), y_val=y_val
    )
    assert sparse.validation_scores_ == dense.validation_scores_
    assert_allclose(
        sparse.validation_loss_curve_, dense.validation_loss_curve_, rtol=1e-10
    )
    assert_same_weights(sparse, dense, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_concurrent_predictions_from_threads_agree(Estimator, data):
    clf = make(Estimator, max_iter=5).fit(data["X"], data["y"])
    X = np.tile(data["X"], (5, 1))
    expected_proba, expected_labels = clf.predict_proba(X), clf.predict(X)

    def predict(_):
        return clf.predict_proba(X), clf.predict(X)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(predict, range(16)))
    for proba, labels in results:
        assert_array_equal(proba, expected_proba)
        assert_array_equal(labels, expected_labels)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_weight_three_takes_three_times_the_step(Estimator, data):
    # One plain-SGD step on one batch: the step is linear in the sample
    # weights, which partial_fit uses as given.
    X, y = data["X_small"], data["y_small"]
    clf = make(Estimator, **PLAIN_SGD, batch_size=len(y), learning_rate_init=0.05)
    start = clone(clf).set_params(learning_rate_init=1e-300)
    start.partial_fit(X, y, classes=CLASSES)
    steps = {}
    for weight in (1.0, 3.0):
        moved = clone(clf).partial_fit(
            X, y, classes=CLASSES, sample_weight=np.full(len(y), weight)
        )
        steps[weight] = [a - b for a, b in zip(weights_of(moved), weights_of(start))]
    assert max(np.abs(s).max() for s in steps[1.0]) > 1e-3
    for single, triple in zip(steps[1.0], steps[3.0]):
        assert_allclose(triple, 3 * single, rtol=1e-9, atol=1e-14)


# ----------------------------------------------------------------------
# Verbose output says why training ended
# ----------------------------------------------------------------------


def _output_lines(capsys):
    return [line for line in capsys.readouterr().out.splitlines() if line.strip()]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_verbose_says_which_rule_stopped_training(Estimator, data, capsys):
    clf = make(Estimator, verbose=True, tol=1e9, n_iter_no_change=2, max_iter=50)
    clf.fit(data["X_small"], data["y_small"])
    last = _output_lines(capsys)[-1]
    assert re.search(r"(?i)stop|converge", last), last
    assert re.search(r"n_iter_no_change|tol", last), last


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@SHORT_FIT
def test_verbose_says_max_iter_ended_training(Estimator, data, capsys):
    clf = make(Estimator, verbose=True, max_iter=2)
    clf.fit(data["X_small"], data["y_small"])
    last = _output_lines(capsys)[-1]
    assert re.search(r"(?i)max_iter|maximum", last), last


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("patience", [None, 8])
@SHORT_FIT
def test_verbose_says_which_epoch_was_restored(Estimator, patience, data, capsys):
    clf = make(
        Estimator,
        verbose=True,
        early_stopping=True,
        monitor="accuracy",
        patience=patience,
        n_iter_no_change=2,
        max_iter=50,
    )
    clf.fit(data["X"], data["y"], X_val=data["X_val"], y_val=data["y_val"])
    tail = "\n".join(_output_lines(capsys)[-2:])
    assert re.search(r"(?i)stop|converge", tail), tail
    restored = [line for line in tail.splitlines() if "restor" in line.lower()]
    assert restored, tail
    if patience is None:
        best_epoch = int(np.argmax(clf.validation_scores_)) + 1
        assert re.search(rf"\b{best_epoch}\b", restored[0]), restored[0]


# ----------------------------------------------------------------------
# The public gradient check
# ----------------------------------------------------------------------

MLP_BLOCKS = {"coefs_[0]", "coefs_[1]", "intercepts_[0]", "intercepts_[1]"}


def _tiny_problem(dtype=np.float64):
    rng = np.random.RandomState(0)
    X = rng.randn(7, 5).astype(dtype)
    y = np.array([0, 1, 2, 0, 1, 2, 1])
    return X, y, rng.uniform(0.5, 2.0, size=7)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("fitted", [False, True])
@SHORT_FIT
def test_gradient_check_of_the_mlp(activation, fitted):
    from skmnist.diagnostics import gradient_check

    X, y, sample_weight = _tiny_problem()
    clf = TwoLayerMLPClassifier(
        n_hidden=6, activation=activation, alpha=0.1, random_state=0, max_iter=5
    )
    if fitted:
        clf.fit(X, y)
    errors = gradient_check(clf, X, y, sample_weight=sample_weight)
    assert set(errors) == MLP_BLOCKS
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("fitted", [False, True])
@SHORT_FIT
def test_gradient_check_of_softmax(fitted):
    from skmnist.diagnostics import gradient_check

    X, y, sample_weight = _tiny_problem()
    clf = SoftmaxSGDClassifier(alpha=0.1, random_state=0, max_iter=5)
    if fitted:
        clf.fit(X, y)
    errors = gradient_check(clf, X, y, sample_weight=sample_weight)
    assert set(errors) == {"coef_", "intercept_"}
    assert max(errors.values()) < 1e-6, errors


@SHORT_FIT
def test_gradient_check_computes_in_float64_and_leaves_the_model_alone():
    from skmnist.diagnostics import gradient_check

    X, y, _ = _tiny_problem(np.float32)
    clf = TwoLayerMLPClassifier(
        n_hidden=6, activation="tanh", random_state=0, max_iter=5
    ).fit(X, y)
    before = weights_of(clf)
    errors = gradient_check(clf, X, y)
    assert max(errors.values()) < 1e-6, errors
    for old, now in zip(before, weights_of(clf)):
        assert_array_equal(old, now)
        assert now.dtype == np.float32


def test_gradient_check_catches_a_broken_backward_pass(monkeypatch):
    # tanh's slope made 10% too large: the first layer's gradient is wrong,
    # the output layer's still right.
    from skmnist import _numerics
    from skmnist._compiled import numpy_kernels
    from skmnist.diagnostics import gradient_check

    calls = []
    tanh_forward, tanh_backward, initialisation = _numerics.ACTIVATIONS["tanh"]

    def broken_backward(h, grad, scratch):
        calls.append(1)
        tanh_backward(h, grad, scratch)
        grad *= 1.1

    monkeypatch.setitem(
        _numerics.ACTIVATIONS, "tanh", (tanh_forward, broken_backward, initialisation)
    )
    X, y, _ = _tiny_problem()
    clf = TwoLayerMLPClassifier(n_hidden=6, activation="tanh", random_state=0)
    with numpy_kernels():
        errors = gradient_check(clf, X, y)
    assert calls, "the patch was not reached: gradient_check bypasses _numerics"
    assert errors["coefs_[0]"] > 1e-3
    assert errors["intercepts_[0]"] > 1e-3
    assert errors["coefs_[1]"] < 1e-6


# ----------------------------------------------------------------------
# What a later partial_fit call checks
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, message",
    [
        ({"alpha": -1.0}, "alpha"),
        ({"dropout": 1.5}, "dropout"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": "big"}, "batch_size"),
        ({"class_weight": "foo"}, "class_weight"),
    ],
)
def test_a_later_partial_fit_checks_the_parameters_it_lets_change(
    data, change, message
):
    # scikit-learn's fit context checks parameters on a first partial_fit
    # only; these may change between calls, so each call checks them.
    clf = make(TwoLayerMLPClassifier).partial_fit(data["X"], data["y"], CLASSES)
    before = clf.coefs_[0].copy()
    clf.set_params(**change)
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(data["X"], data["y"])
    assert_array_equal(clf.coefs_[0], before)


class _Halving:
    """A schedule of the user's own: no equality, no get_params."""

    def __init__(self, every=2):
        self.every = every

    def factor(self, epoch):
        return 0.5 ** (epoch // self.every)


def test_partial_fit_continues_under_a_users_own_schedule_object(data):
    X, y = data["X"], data["y"]
    clf = make(TwoLayerMLPClassifier, learning_rate=_Halving(), max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.partial_fit(X, y)  # the trained copy equals it: same type, same values
    assert clf.n_iter_ == 1
    clf.learning_rate.every = 3
    with pytest.raises(ValueError, match="learning_rate changed"):
        clf.partial_fit(X, y)


class _Faulty:
    """A user's schedule that goes wrong at epoch 2."""

    def __init__(self, bad):
        self.bad = bad

    def factor(self, epoch):
        return self.bad if epoch >= 2 else 1.0


@pytest.mark.parametrize("bad", [-1.0, float("nan"), np.inf, "0.5", None])
def test_a_schedules_bad_factor_is_named_before_training(data, bad):
    # Before, a negative or NaN factor surfaced as "training diverged"
    # blaming learning_rate_init, after epochs that changed the model.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = make(TwoLayerMLPClassifier, max_iter=5).fit(data["X"], data["y"])
    before = clf.coefs_[0].copy()
    clf.set_params(learning_rate=_Faulty(bad))
    with pytest.raises(ValueError, match=r"returned factor\(2\) = .*finite"):
        clf.fit(data["X"], data["y"])
    assert_array_equal(clf.coefs_[0], before)  # the failed fit changed nothing
    assert clf.n_iter_ == 5


class _Holding:
    """A user's schedule whose attributes equality must compare by value."""

    __slots__ = ("parts", "nan", "scale")

    def __init__(self, scale=1.0):
        self.parts = [np.array([1.0, np.nan])]
        self.nan = float("nan")
        self.scale = scale

    def factor(self, epoch):
        return self.scale


@pytest.mark.parametrize(
    "schedule",
    [_Holding(), StepSchedule(np.array([2, 4]))],
    ids=["slots-arrays-nan", "array-milestones"],
)
def test_partial_fit_compares_a_schedule_by_value(schedule, data):
    # The trained copy (dataclasses.asdict) holds equal arrays, NaN and
    # slots; an ambiguous or identity comparison refused or crashed.
    X, y = data["X_small"], data["y_small"]
    clf = make(TwoLayerMLPClassifier, learning_rate=schedule, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 1
    if isinstance(schedule, _Holding):
        schedule.scale = 0.5
        with pytest.raises(ValueError, match="learning_rate changed"):
            clf.partial_fit(X, y)


class _CallAttribute:
    """Looks callable, is not: ``__call__`` set on the instance."""

    def __init__(self):
        self.__call__ = lambda X, rng: X


def test_an_augment_that_only_looks_callable_is_refused_with_the_parameters(data):
    clf = make(TwoLayerMLPClassifier, augment=_CallAttribute())
    with pytest.raises(ValueError, match=r"augment.*\(not a class\)"):
        clf.fit(data["X_small"], data["y_small"])
    assert not hasattr(clf, "coefs_")
