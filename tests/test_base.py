"""The training engine, through both estimators that share it."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier

#: Fits here are kept short on purpose (a few epochs show what is tested);
#: tests of the warning itself use pytest.warns, which sees it regardless.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [
    pytest.param(lambda **kw: SoftmaxSGDClassifier(**kw), id="softmax"),
    pytest.param(lambda **kw: TwoLayerMLPClassifier(n_hidden=32, **kw), id="mlp"),
]


def _first_coef(est):
    return est.coef_ if hasattr(est, "coef_") else est.coefs_[0]


@pytest.fixture(params=ESTIMATORS)
def make(request):
    return request.param


@pytest.fixture
def small(digits):
    """600 digits: enough to learn, full-batch friendly when sliced to 150."""
    X, y = digits
    return X[:600], y[:600]


def test_learns_real_digits(make, digits):
    X_train, X_test, y_train, y_test = train_test_split(*digits, random_state=0)
    est = make(random_state=0, max_iter=100).fit(X_train, y_train)
    assert est.score(X_test, y_test) > 0.94
    assert est.n_iter_ == len(est.loss_curve_)
    assert est.t_ == est.n_iter_ * len(y_train)


def test_same_random_state_is_bit_identical(make, small):
    X, y = small
    params = dict(random_state=3, max_iter=5, early_stopping=True)
    if make().__class__ is TwoLayerMLPClassifier:
        params["dropout"] = 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = make(**params).fit(X, y), make(**params).fit(X, y)
    assert_array_equal(_first_coef(a), _first_coef(b))
    assert a.loss_curve_ == b.loss_curve_


def test_partial_fit_k_times_equals_fit_k_epochs(make, small):
    X, y = small
    params = dict(random_state=0, shuffle=False, tol=0, n_iter_no_change=100)
    incremental = make(**params)
    for _ in range(4):
        incremental.partial_fit(X, y, classes=np.unique(y))
    with pytest.warns(ConvergenceWarning):
        batch = make(max_iter=4, **params).fit(X, y)
    assert_array_equal(_first_coef(incremental), _first_coef(batch))
    assert incremental.loss_curve_ == batch.loss_curve_
    # n_iter_ counts the epochs of the last call, as in MLPClassifier.
    assert (incremental.n_iter_, batch.n_iter_) == (1, 4)
    assert incremental.t_ == batch.t_ == 4 * len(y)


def test_sparse_input_equals_dense(make, small):
    X, y = small
    dense = make(random_state=0, max_iter=5, tol=0).fit(X, y)
    sparse = make(random_state=0, max_iter=5, tol=0).fit(sp.csr_matrix(X), y)
    assert_allclose(_first_coef(sparse), _first_coef(dense), rtol=1e-6, atol=1e-9)
    assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)),
        dense.predict_proba(X),
        rtol=1e-6,
        atol=1e-9,
    )


def test_float32_stays_float32(make, small):
    X, y = small
    est = make(random_state=0, max_iter=3).fit(X.astype(np.float32), y)
    params = (
        [est.coef_, est.intercept_]
        if hasattr(est, "coef_")
        else (est.coefs_ + est.intercepts_)
    )
    assert all(p.dtype == np.float32 for p in params)
    X32 = X[:5].astype(np.float32)
    assert est.predict_proba(X32).dtype == np.float32
    assert est.decision_function(X32).dtype == np.float32


@pytest.mark.parametrize(
    "extra", [{}, {"early_stopping": True, "validation_fraction": 0.2}]
)
def test_integer_sample_weight_equals_repeated_rows(make, digits, extra):
    # 100 rows, repeated up to 3 times, fit in one batch of 200: the two fits
    # see the same gradients.
    X, y = digits[0][:100], digits[1][:100]
    weight = np.random.default_rng(0).integers(0, 4, size=y.size)
    params = dict(random_state=0, max_iter=20, **extra)
    if make().__class__ is TwoLayerMLPClassifier:
        params["dropout"] = 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = make(**params).fit(X, y, sample_weight=weight)
        repeated = make(**params).fit(
            np.repeat(X, weight, axis=0), np.repeat(y, weight)
        )
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6)


def test_string_labels(make, small):
    X, y = small
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    est = make(random_state=0, max_iter=100).fit(X, names[y])
    assert set(est.classes_) == set(names)
    assert est.score(X, names[y]) > 0.9


def test_pickle_round_trip_then_keep_training(make, small):
    X, y = small
    est = make(random_state=0, max_iter=3).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    assert_array_equal(clone.predict_proba(X), est.predict_proba(X))
    est.partial_fit(X, y)
    clone.partial_fit(X, y)
    assert_array_equal(clone.predict_proba(X), est.predict_proba(X))


def test_early_stopping_restores_the_best_weights_on_a_given_validation_set(
    make, digits
):
    X, y = digits
    X_train, y_train, X_val, y_val = X[:300], y[:300], X[1000:], y[1000:]
    est = make(
        random_state=0,
        max_iter=1000,
        early_stopping=True,
        monitor="accuracy",
        n_iter_no_change=15,
        tol=0,
    )
    est.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    best_epoch = int(np.argmax(est.validation_scores_))
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.score(X_val, y_val) == pytest.approx(
        est.best_validation_score_, abs=1e-12
    )
    # It stopped n_iter_no_change epochs after the best one (tol=0); the MLP
    # counts as MLPClassifier does, one epoch more.
    extra = 1 if est._n_iter_no_change_strict else 0
    assert est.n_iter_ == best_epoch + 1 + 15 + extra
    assert best_epoch + 1 < est.n_iter_


def _epochs_until_stop(curve, tol, n_iter_no_change, strict):
    """scikit-learn's rule, replayed on a recorded validation curve.

    ``strict``: MLPClassifier's count (more than n bad epochs), else
    SGDClassifier's (n bad epochs).
    """
    best, bad = np.inf, 0
    for epoch, value in enumerate(curve, start=1):
        bad = 0 if value < best - tol else bad + 1
        best = min(best, value)
        if bad > n_iter_no_change or (bad == n_iter_no_change and not strict):
            return epoch
    return None


def test_early_stopping_on_loss_with_internal_split(make, digits):
    X, y = digits
    est = make(
        random_state=0, max_iter=1000, early_stopping=True, n_iter_no_change=5, tol=1e-3
    ).fit(X, y)
    assert est.best_validation_loss_ == min(est.validation_loss_curve_)
    # MLPClassifier's meaning: the best validation accuracy seen.
    assert est.best_validation_score_ == max(est.validation_scores_)
    strict = est._n_iter_no_change_strict
    assert est.n_iter_ == _epochs_until_stop(
        est.validation_loss_curve_, 1e-3, 5, strict
    )
    assert est.best_loss_ is None


def test_patience_mode_checks_every_validation_frequency_minibatches(make, digits):
    X, y = digits
    # 1617 training rows in batches of 100: 17 minibatches an epoch.
    est = make(
        random_state=0,
        max_iter=5,
        early_stopping=True,
        patience=10_000,
        validation_frequency=4,
        batch_size=100,
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert len(est.validation_scores_) == (5 * 17) // 4


def test_validation_set_without_early_stopping_records_learning_curves(
    make, small, digits
):
    X, y = small
    X_val, y_val = digits[0][1000:], digits[1][1000:]
    est = make(random_state=0, max_iter=7, tol=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y, X_val=X_val, y_val=y_val)
    assert est.n_iter_ == 7
    assert len(est.validation_scores_) == len(est.validation_loss_curve_) == 7
    assert est.validation_scores_[-1] == pytest.approx(est.score(X_val, y_val))


def test_x_val_routes_through_a_pipeline(make, digits):
    X, y = digits
    X_train, y_train, X_val, y_val = X[:600] * 16, y[:600], X[1000:] * 16, y[1000:]
    with sklearn.config_context(enable_metadata_routing=True):
        est = make(
            random_state=0, max_iter=100, early_stopping=True, monitor="accuracy"
        ).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("clf", est)], transform_input=["X_val"]
        )
        pipe.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    # The restored weights score on the *scaled* validation set as recorded.
    assert pipe.score(X_val, y_val) == pytest.approx(
        pipe[-1].best_validation_score_, abs=1e-12
    )


def test_grid_search(make, small):
    X, y = small
    search = GridSearchCV(
        make(random_state=0, max_iter=100), {"alpha": [1e-5, 1e-2]}, cv=3
    ).fit(X, y)
    assert search.best_score_ > 0.8
    assert search.best_estimator_.alpha in (1e-5, 1e-2)


def test_warm_start_continues_the_previous_fit(make, small):
    X, y = small
    est = make(random_state=0, max_iter=3, warm_start=True, tol=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert len(est.loss_curve_) == 6
    # The second fit starts from the first one's model (for the softmax, its
    # average over three epochs), not from a new initialisation, whose first
    # epoch (same seed) would repeat the curve's first bit for bit.
    assert est.loss_curve_[3] < est.loss_curve_[0]


def test_predict_log_proba_is_stable_and_consistent(make, small):
    X, y = small
    est = make(random_state=0, max_iter=10).fit(X, y)
    log_proba = est.predict_log_proba(X * 1e3)
    assert np.all(np.isfinite(log_proba))
    assert_allclose(
        np.exp(est.predict_log_proba(X)), est.predict_proba(X), rtol=1e-6, atol=1e-12
    )


def test_verbose_prints_each_epoch_and_why_training_stopped(make, small, capsys):
    X, y = small
    with pytest.warns(ConvergenceWarning):
        make(random_state=0, max_iter=2, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines[:-1]] == ["Iteration 1", "Iteration 2"]
    assert lines[-1] == "Training stopped: maximum iterations (2) reached."


def test_verbose_names_the_rule_and_the_restored_epoch(make, digits, capsys):
    X, y = digits
    est = make(
        random_state=0,
        max_iter=200,
        early_stopping=True,
        n_iter_no_change=3,
        tol=1e-3,
        verbose=True,
    )
    est.fit(X[:1000], y[:1000], X_val=X[1000:], y_val=y[1000:])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    best_epoch = 1 + int(np.argmin(est.validation_loss_curve_))
    assert last.startswith("Training stopped: the validation loss did not improve")
    assert f"Restored the best weights, from epoch {best_epoch} " in last


# --------------------------------------------------------------------------
# Bad input: a clear error, and nothing lost.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_refused(make, small, bad):
    X, y = small
    X = X.copy()
    X[3, 5] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        make().fit(X, y)


def test_wrong_feature_count_at_predict(make, small):
    X, y = small
    est = make(max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :10])


def test_single_class_is_refused(make, small):
    X, _ = small
    with pytest.raises(ValueError, match="at least 2 classes"):
        make().fit(X, np.zeros(len(X)))


def test_negative_sample_weight_is_refused(make, small):
    X, y = small
    weight = np.ones(len(y))
    weight[0] = -1
    with pytest.raises(ValueError, match="non-negative"):
        make().fit(X, y, sample_weight=weight)


def test_partial_fit_needs_classes_first(make, small):
    X, y = small
    with pytest.raises(ValueError, match="classes must be passed"):
        make().partial_fit(X, y)
    est = make().partial_fit(X, y, classes=np.arange(10))
    with pytest.raises(ValueError, match="not among the classes"):
        est.partial_fit(X, y + 10)


def test_diverging_learning_rate_raises_and_loses_nothing(make, small):
    X, y = small
    est = make(
        random_state=0,
        max_iter=5,
        solver="sgd",
        learning_rate_init=0.01,
        warm_start=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    before = est.predict_proba(X)
    est.set_params(learning_rate_init=1e6)
    with pytest.raises(ValueError, match="diverged.*smaller"):
        est.fit(X * 255, y)
    assert_array_equal(est.predict_proba(X), before)
    assert np.all(np.isfinite(_first_coef(est)))


def test_early_stopping_with_too_few_samples(make):
    X = np.arange(6, dtype=float).reshape(3, 2)
    with pytest.raises(ValueError, match="validation set"):
        make(early_stopping=True).fit(X, [0, 1, 2])


def test_failed_fit_keeps_the_previous_model_usable(make, small):
    X, y = small
    est = make(random_state=0, max_iter=3).fit(X, y)
    before = est.predict_proba(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        est.fit(X[:, :10], np.zeros(len(y)))
    assert est.n_features_in_ == X.shape[1]
    assert_array_equal(est.predict_proba(X), before)


def test_partial_fit_failing_mid_training_leaves_the_state_untouched(
    make, small, monkeypatch
):
    from skmnist import _optimizers

    X, y = small
    est = make(random_state=0, solver="sgd").partial_fit(X, y, classes=np.arange(10))
    reference = pickle.loads(pickle.dumps(est))
    original_step = _optimizers.SGDOptimizer.step
    calls = []

    def step_then_fail(self, *args):
        original_step(self, *args)
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("interrupted")

    monkeypatch.setattr(_optimizers.SGDOptimizer, "step", step_then_fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        est.partial_fit(X, y)
    monkeypatch.undo()
    assert_array_equal(_first_coef(est), _first_coef(reference))
    for name in ("first_moment", "velocity"):
        if name in reference._continuation.optimizer:
            assert_array_equal(
                est._continuation.optimizer[name],
                reference._continuation.optimizer[name],
            )
    est.partial_fit(X, y)
    reference.partial_fit(X, y)
    assert_array_equal(est.predict_proba(X), reference.predict_proba(X))


def test_training_continues_from_the_restored_best_weights(make, digits):
    X, y = digits
    params = dict(
        random_state=0, early_stopping=True, shuffle=False, tol=0, monitor="accuracy"
    )
    est = make(max_iter=200, n_iter_no_change=3, learning_rate_init=0.05, **params)
    est.fit(X, y)
    continuation = est._continuation
    best_epoch = 1 + int(np.argmax(est.validation_scores_))
    assert best_epoch < est.n_iter_
    # The iterate average, when there is one, is the fitted solution; the
    # optimizer state stored beside it is that of the restored epoch: a
    # partial_fit continues from there exactly like an uninterrupted run that
    # had stopped at the best epoch.
    if continuation.average is not None:
        # Not kept twice: the average is the fitted weights themselves.
        assert continuation.average["average"] is None
    stopped_there = make(
        max_iter=best_epoch, n_iter_no_change=1000, learning_rate_init=0.05, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stopped_there.fit(X, y)
    assert_array_equal(_first_coef(stopped_there), _first_coef(est))
    est.partial_fit(X, y)
    stopped_there.partial_fit(X, y)
    assert_array_equal(_first_coef(stopped_there), _first_coef(est))


def test_average_zero_means_no_averaging(small):
    X, y = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        zero = SoftmaxSGDClassifier(average=0, max_iter=3, random_state=0).fit(X, y)
        off = SoftmaxSGDClassifier(average=False, max_iter=3, random_state=0).fit(X, y)
    assert_array_equal(zero.coef_, off.coef_)


def test_partial_fit_keeps_the_scale_of_sample_weights(make, small):
    X, y = small
    plain = make(random_state=0, solver="sgd").partial_fit(X, y, classes=np.arange(10))
    heavy = make(random_state=0, solver="sgd").partial_fit(
        X, y, classes=np.arange(10), sample_weight=np.full(len(y), 3.0)
    )
    assert not np.allclose(_first_coef(plain), _first_coef(heavy))


def test_unknown_validation_label(make, small):
    X, y = small
    with pytest.raises(ValueError, match="y_val contains labels"):
        make(max_iter=2).fit(X[y < 9], y[y < 9], X_val=X, y_val=y)


def test_pickle_holds_no_scratch_buffers(small):
    X, y = small
    est = TwoLayerMLPClassifier(n_hidden=64, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    n_bytes = sum(p.nbytes for p in est.coefs_ + est.intercepts_)
    # Public weights, the training iterate and Adam's two moments.
    assert len(pickle.dumps(est)) < 4.5 * n_bytes


def test_prediction_and_validation_in_chunks_match_one_pass(make, small, monkeypatch):
    """Chunked forward passes (bounded memory) give the same numbers as one pass."""
    from skmnist import _fitted

    X, y = small
    kwargs = dict(random_state=0, max_iter=3, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole = make(**kwargs).fit(X, y)
        whole_proba = whole.predict_proba(X)
        monkeypatch.setattr(_fitted, "EVALUATION_CHUNK", 7)
        chunked = make(**kwargs).fit(X, y)
    assert_allclose(chunked.predict_proba(X), whole_proba, rtol=1e-12)
    assert chunked.validation_scores_ == whole.validation_scores_
    assert_allclose(chunked.validation_loss_curve_, whole.validation_loss_curve_)
