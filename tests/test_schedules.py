"""Per-epoch learning-rate schedules (issue 23): values, resume, clone, search."""

import pickle
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist.schedules import CosineSchedule, StepSchedule


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:600] / 16, y[:600]


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def test_step_and_cosine_factors():
    step = StepSchedule([3, 5], gamma=0.5)
    assert [step.factor(e) for e in range(7)] == [1, 1, 1, 0.5, 0.5, 0.25, 0.25]
    cosine = CosineSchedule(n_epochs=6, warmup_epochs=2, min_factor=0.1)
    factors = [cosine.factor(e) for e in range(8)]
    assert_allclose(factors[:3], [1 / 3, 2 / 3, 1.0])
    assert_allclose(factors[4], 0.1 + 0.9 * 0.5)  # halfway down the cosine
    assert factors[6] == factors[7] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(factors[2:], factors[3:]))


@pytest.mark.parametrize(
    "schedule, message",
    [
        (StepSchedule([2], gamma=1.5), "gamma"),
        (StepSchedule([-1]), "milestones"),
        (CosineSchedule(n_epochs=0), "n_epochs"),
        (CosineSchedule(n_epochs=5, min_factor=2), "min_factor"),
    ],
)
def test_invalid_schedules_are_refused_before_training(digits, schedule, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        TwoLayerMLPClassifier(n_hidden=8, learning_rate=schedule).fit(X, y)


@pytest.mark.parametrize(
    "schedule, message",
    [
        (StepSchedule(2), "milestones must be a list of epochs"),
        (StepSchedule(None), "milestones must be a list of epochs"),
        # An iterator would be used up by the first epoch.
        (StepSchedule(iter([2])), "milestones must be a list of epochs"),
    ],
    ids=["int", "none", "iterator"],
)
def test_milestones_of_the_wrong_type_get_a_clear_type_error(digits, schedule, message):
    X, y = digits
    clf = TwoLayerMLPClassifier(n_hidden=8, learning_rate=schedule)
    with pytest.raises(TypeError, match=re.escape(message)):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("schedule", [StepSchedule, CosineSchedule])
def test_a_schedule_class_is_refused_with_the_parameters(digits, schedule):
    # The class has a factor too (unbound): the parameter check asks for an
    # instance before anything else runs.
    X, y = digits
    clf = TwoLayerMLPClassifier(n_hidden=8, learning_rate=schedule)
    with pytest.raises(ValueError, match=r"learning_rate.*\(not a class\)"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("Estimator", [SoftmaxSGDClassifier, TwoLayerMLPClassifier])
def test_the_step_follows_the_schedule_and_is_recorded(digits, Estimator):
    X, y = digits
    est = _fit(
        Estimator(
            learning_rate=StepSchedule([2], gamma=0.1),
            learning_rate_init=0.01,
            max_iter=4,
            tol=0,
            random_state=0,
        ),
        X,
        y,
    )
    assert_allclose(est.learning_rate_curve_, [0.01, 0.01, 0.001, 0.001])


@pytest.mark.parametrize(
    "schedule", [StepSchedule([2, 3], gamma=0.3), CosineSchedule(5, warmup_epochs=1)]
)
def test_a_resumed_fit_follows_the_same_schedule_bit_for_bit(
    digits, schedule, tmp_path
):
    X, y = digits
    params = dict(n_hidden=8, learning_rate=schedule, tol=0, random_state=0)
    whole = _fit(TwoLayerMLPClassifier(max_iter=5, **params), X, y)
    first = _fit(TwoLayerMLPClassifier(max_iter=2, **params), X, y)
    resumed = pickle.loads(pickle.dumps(first))  # as a checkpoint would
    for _ in range(3):
        resumed.partial_fit(X, y)
    assert_array_equal(resumed.coefs_[0], whole.coefs_[0])
    assert resumed.loss_curve_ == whole.loss_curve_


def test_warm_start_continues_the_schedule(digits):
    X, y = digits
    schedule = StepSchedule([3], gamma=0.1)
    est = _fit(
        TwoLayerMLPClassifier(
            n_hidden=8,
            learning_rate=schedule,
            learning_rate_init=0.01,
            max_iter=2,
            tol=0,
            random_state=0,
        ),
        X,
        y,
    )
    _fit(est.set_params(warm_start=True), X, y)
    assert_allclose(est.learning_rate_curve_, [0.01, 0.001])  # epochs 3 and 4


def test_clone_and_grid_search_reach_the_schedule(digits):
    X, y = digits
    est = TwoLayerMLPClassifier(
        n_hidden=8,
        max_iter=3,
        tol=0,
        random_state=0,
        learning_rate=StepSchedule([1], gamma=0.5),
    )
    copy = clone(est)
    assert copy.learning_rate is not est.learning_rate
    assert copy.learning_rate == est.learning_rate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(est, {"learning_rate__gamma": [0.1, 0.9]}, cv=2).fit(X, y)
    assert search.best_params_["learning_rate__gamma"] in (0.1, 0.9)
    assert est.learning_rate.gamma == 0.5  # the original untouched


def test_partial_fit_refuses_a_changed_schedule(digits):
    X, y = digits
    est = TwoLayerMLPClassifier(n_hidden=8, learning_rate=StepSchedule([1]))
    est.partial_fit(X, y, classes=np.arange(10))
    est.learning_rate.set_params(gamma=0.5)
    with pytest.raises(ValueError, match="learning_rate changed"):
        est.partial_fit(X, y)


def test_verbose_prints_the_step(digits, capsys):
    X, y = digits
    _fit(
        SoftmaxSGDClassifier(
            learning_rate=StepSchedule([1], gamma=0.1),
            learning_rate_init=0.1,
            max_iter=2,
            tol=0,
            verbose=True,
        ),
        X,
        y,
    )
    out = capsys.readouterr().out
    assert "learning rate = 0.1" in out and "learning rate = 0.01" in out


def test_skops_round_trip_with_a_schedule(digits, tmp_path):
    sio = pytest.importorskip("skops.io")
    import skmnist

    X, y = digits
    est = _fit(
        TwoLayerMLPClassifier(n_hidden=8, max_iter=2, learning_rate=CosineSchedule(4)),
        X,
        y,
    )
    sio.dump(est, tmp_path / "m.skops")
    loaded = sio.load(tmp_path / "m.skops", trusted=skmnist.TRUSTED_TYPES)
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    loaded.partial_fit(X, y)
