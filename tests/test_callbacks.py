"""Callbacks: the trainer's listener protocol, scikit-learn's callback API
(``sklearn.callback``, scikit-learn >= 1.9) on our estimators, and the
callbacks of :mod:`skmnist.callbacks`."""

import doctest
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist._callback_support import HAS_CALLBACK_API
from skmnist._compiled import numpy_kernels
from skmnist._events import Listener

needs_callback_api = pytest.mark.skipif(
    not HAS_CALLBACK_API,
    reason="this scikit-learn has no callback API (sklearn.callback needs >= 1.9)",
)


def _estimators():
    return [
        SoftmaxSGDClassifier(max_iter=6, tol=0, random_state=0),
        TwoLayerMLPClassifier(n_hidden=16, max_iter=6, tol=0, random_state=0),
    ]


@pytest.fixture
def small(digits):
    """600 digits in float64: enough to train on, quick to fit."""
    X, y = digits
    return X[:600], y[:600]


@pytest.fixture(autouse=True)
def _short_fits_are_meant():
    # Every fit here is short on purpose.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _weights(clf):
    if isinstance(clf, SoftmaxSGDClassifier):
        return [clf.coef_, clf.intercept_]
    return clf.coefs_ + clf.intercepts_


def _assert_same_weights(a, b):
    assert len(_weights(a)) == len(_weights(b))
    for left, right in zip(_weights(a), _weights(b)):
        assert_array_equal(left, right)


# ----------------------------------------------------------------------
# The trainer's listener protocol (any scikit-learn)
# ----------------------------------------------------------------------
class _Listener(Listener):
    """Records the fit's events; keeps an epoch, stops at one, copies one."""

    def __init__(self, keep_at=(), stop_at=None, copy_at=None):
        self.events = []
        self.keep_at = keep_at
        self.stop_at = stop_at
        self.copy_at = copy_at
        self.copied = None

    def on_epoch_begin(self, fit):
        self.events.append(("begin", fit.epoch))

    def on_epoch_end(self, fit):
        self.events.append(("end", fit.epoch))
        if fit.epoch in self.keep_at:
            fit.keep_as_best(overriding=True)
        if fit.epoch == self.copy_at:
            self.copied = (fit.network().solution, fit.continuation())
        if fit.epoch == self.stop_at:
            fit.stop("a callback asked to stop")

    def on_train_end(self, fit):
        self.events.append(("train_end", fit.history.n_iter))


@pytest.fixture
def listen(monkeypatch):
    """``listen(clf, listener)``: ``clf``'s fits tell ``listener`` their events."""
    from skmnist import _base

    original = _base.callback_listeners

    def listen(clf, listener):
        def listeners(estimator, *args):
            own = tuple(original(estimator, *args))
            return (*own, listener) if estimator is clf else own

        monkeypatch.setattr(_base, "callback_listeners", listeners)
        return clf

    return listen


def test_listener_hears_each_epoch_begin_and_end_once(small, listen):
    listener = _Listener()
    clf = listen(SoftmaxSGDClassifier(max_iter=3, tol=0, random_state=0), listener)
    clf.fit(*small)
    assert listener.events == [
        ("begin", 1), ("end", 1), ("begin", 2), ("end", 2),
        ("begin", 3), ("end", 3), ("train_end", 3),
    ]  # fmt: skip


def test_listener_stop_ends_training_at_that_epoch(small, capsys, listen):
    clf = SoftmaxSGDClassifier(max_iter=20, tol=0, random_state=0, verbose=1)
    listen(clf, _Listener(stop_at=5)).fit(*small)
    assert clf.n_iter_ == 5
    assert "Training stopped: a callback asked to stop." in capsys.readouterr().out


def test_keep_as_best_ends_with_the_last_kept_epoch(small, capsys, listen):
    X, y = small
    clf = TwoLayerMLPClassifier(n_hidden=16, max_iter=6, tol=0, random_state=0)
    listen(clf.set_params(verbose=1), _Listener(keep_at=(2, 3))).fit(X, y)
    epoch_3 = clf.set_params(max_iter=3, verbose=0).__class__(**clf.get_params())
    epoch_3.fit(X, y)
    assert clf.n_iter_ == 6  # the epochs run, as with early stopping
    _assert_same_weights(clf, epoch_3)
    out = capsys.readouterr().out
    assert "Restored the weights a callback kept, from epoch 3." in out


def _flat(clf):
    return np.concatenate([np.ravel(a) for a in _weights(clf)])


def test_kept_weights_win_over_early_stoppings_best(small, listen):
    params = dict(n_hidden=16, early_stopping=True, n_iter_no_change=np.inf)
    clf = TwoLayerMLPClassifier(max_iter=6, random_state=0, **params)
    listener = _Listener(keep_at=(1,), copy_at=1)
    listen(clf, listener).fit(*small)
    # Early stopping alone would have restored a later epoch.
    assert np.argmin(clf.validation_loss_curve_) > 0
    epoch_1, _ = listener.copied
    assert_array_equal(_flat(clf), epoch_1)


def test_the_fits_continuation_is_what_a_fit_that_ended_there_keeps(small, listen):
    X, y = small
    listener = _Listener(copy_at=2)
    clf = TwoLayerMLPClassifier(n_hidden=8, max_iter=4, tol=0, random_state=0)
    listen(clf, listener).fit(X, y)
    solution, state = listener.copied
    ended = TwoLayerMLPClassifier(n_hidden=8, max_iter=2, tol=0, random_state=0)
    expected = ended.fit(X, y)._continuation
    assert_array_equal(solution, ended._network.solution)
    assert state.t == expected.t and state.n_updates == expected.n_updates
    assert state.rngs == expected.rngs
    assert state.loss_curve == expected.loss_curve
    assert state.optimizer.keys() == expected.optimizer.keys()
    for name, value in expected.optimizer.items():
        assert_array_equal(state.optimizer[name], value)


# ----------------------------------------------------------------------
# scikit-learn's callback API (>= 1.9)
# ----------------------------------------------------------------------
class _Recorder:
    """A callback that counts the tasks it hears of and can stop at an epoch."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.calls = []
        self.fitted = {}

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.calls.append(("begin", context.task_name))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.calls.append(("end", context.task_name))
        if context.task_name == "epoch":
            self.fitted[context.task_id + 1] = fitted_estimator
            return context.task_id + 1 == self.stop_at
        return False

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name))

    def count(self, event, task):
        return self.calls.count((event, task))


@needs_callback_api
@pytest.mark.parametrize("clf", _estimators(), ids=lambda c: type(c).__name__)
def test_callbacks_hear_one_task_per_epoch(clf, small):
    recorder = _Recorder()
    clf.set_callbacks(recorder).fit(*small)
    assert clf.n_iter_ == 6
    assert recorder.calls[:2] == [("setup", "fit"), ("begin", "fit")]
    assert recorder.calls[-2:] == [("end", "fit"), ("teardown", "fit")]
    epochs = recorder.calls[2:-2]
    assert epochs == [("begin", "epoch"), ("end", "epoch")] * clf.n_iter_


@needs_callback_api
def test_partial_fit_is_a_task_of_one_epoch(small):
    recorder = _Recorder()
    clf = SoftmaxSGDClassifier(random_state=0).set_callbacks(recorder)
    clf.partial_fit(*small, classes=np.arange(10)).partial_fit(*small)
    assert recorder.count("begin", "partial_fit") == 2
    assert recorder.count("end", "epoch") == 2
    assert recorder.count("teardown", "partial_fit") == 2


@needs_callback_api
def test_fitted_estimator_is_the_model_after_that_epoch(small):
    X, y = small
    recorder = _Recorder()
    clf = TwoLayerMLPClassifier(n_hidden=16, max_iter=5, tol=0, random_state=0)
    clf.set_callbacks(recorder).fit(X, y)
    after_3 = recorder.fitted[3]
    ended_at_3 = TwoLayerMLPClassifier(**{**clf.get_params(), "max_iter": 3})
    ended_at_3.fit(X, y)
    _assert_same_weights(after_3, ended_at_3)
    assert after_3.n_iter_ == 3 and after_3.loss_curve_ == ended_at_3.loss_curve_
    assert_array_equal(after_3.predict_proba(X), ended_at_3.predict_proba(X))
    # Not a view of the model in training: the fit went on to epoch 5.
    assert not np.array_equal(after_3.coefs_[0], clf.coefs_[0])


@needs_callback_api
@pytest.mark.parametrize("clf", _estimators(), ids=lambda c: type(c).__name__)
def test_scoring_monitor_logs_one_row_per_epoch(clf, small):
    from sklearn.callback import ScoringMonitor

    X, y = small
    monitor = ScoringMonitor(scoring="accuracy")
    clf.set_params(max_iter=30, tol=0.1, n_iter_no_change=2)
    clf.set_callbacks(monitor).fit(X, y)
    assert clf.n_iter_ < 30  # the estimator's own rule ended it
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(rows) == clf.n_iter_
    assert rows[-1]["accuracy"] == clf.score(X, y)


@needs_callback_api
def test_a_callback_returning_true_at_epoch_5_ends_the_fit(small, capsys):
    clf = TwoLayerMLPClassifier(n_hidden=16, max_iter=50, tol=0, random_state=0)
    clf.set_params(verbose=1).set_callbacks(_Recorder(stop_at=5)).fit(*small)
    assert clf.n_iter_ == 5
    assert "Training stopped: a callback asked to stop." in capsys.readouterr().out


@needs_callback_api
def test_a_stop_request_keeps_early_stoppings_restore(small, capsys):
    clf = TwoLayerMLPClassifier(
        n_hidden=16, max_iter=50, learning_rate_init=0.05, early_stopping=True,
        n_iter_no_change=np.inf, monitor="accuracy", random_state=0, verbose=1,
    )  # fmt: skip
    clf.set_callbacks(_Recorder(stop_at=8)).fit(*small)
    assert clf.n_iter_ == 8
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert best < 8  # the last epoch is not the best
    assert f"Restored the best weights, from epoch {best} " in capsys.readouterr().out


@pytest.mark.slow
@needs_callback_api
def test_progress_bar_alone_in_a_pipeline_and_in_a_search(small, capsys):
    pytest.importorskip("rich", reason="ProgressBar needs rich (skmnist[progress])")
    from sklearn.callback import ProgressBar
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = small
    clf = TwoLayerMLPClassifier(n_hidden=8, max_iter=3, random_state=0)
    clf.set_callbacks(ProgressBar()).fit(X, y)
    assert "TwoLayerMLPClassifier - fit" in capsys.readouterr().out

    pipe = make_pipeline(StandardScaler(), SoftmaxSGDClassifier(max_iter=3))
    pipe.set_callbacks(ProgressBar()).fit(X, y)
    assert "Pipeline - fit-final-estimator | SoftmaxSGDClassifier - fit" in (
        capsys.readouterr().out
    )

    pipe = make_pipeline(StandardScaler(), TwoLayerMLPClassifier(max_iter=3))
    grid = {"twolayermlpclassifier__n_hidden": [4, 8]}
    search = GridSearchCV(pipe, grid, cv=2, n_jobs=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("Pipeline - fit-final-estimator | TwoLayerMLPClassifier") == 5
    assert search.best_params_ in [
        {"twolayermlpclassifier__n_hidden": n} for n in (4, 8)
    ]


@needs_callback_api
def test_epochs_of_a_search_in_two_processes_reach_the_main_one(small):
    from sklearn.callback import ScoringMonitor
    from sklearn.model_selection import GridSearchCV

    monitor = ScoringMonitor(scoring="accuracy")
    clf = SoftmaxSGDClassifier(max_iter=4, tol=0).set_callbacks(monitor)
    search = GridSearchCV(clf, {"alpha": [1e-4, 1e-3]}, cv=2, n_jobs=2)
    search.fit(*small)
    rows = [
        row
        for log in monitor.get_logs(select="all")
        for row in log.data
        if row["task_name"] == "epoch"
    ]
    # Four fits in the workers and the refit here, four epochs each.
    assert len(rows) == 5 * 4


# ----------------------------------------------------------------------
# skmnist.callbacks
# ----------------------------------------------------------------------
class _Interrupt:
    """Presses Ctrl-C as an epoch begins."""

    def __init__(self, epoch):
        self.epoch = epoch

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        if context.task_name == "epoch" and context.task_id + 1 == self.epoch:
            raise KeyboardInterrupt

    def on_fit_task_end(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass


def _load(path):
    with open(path, "rb") as file:
        return pickle.load(file)


@needs_callback_api
@pytest.mark.parametrize(
    "clf",
    [
        TwoLayerMLPClassifier(n_hidden=16, dropout=0.2),
        SoftmaxSGDClassifier(solver="sgd", learning_rate="invscaling", average=True),
    ],
    ids=["mlp-adam-dropout", "softmax-sgd-averaged"],
)
def test_checkpoint_resumes_to_the_weights_of_an_uninterrupted_fit(
    clf, small, tmp_path
):
    from skmnist.callbacks import Checkpoint

    X, y = small
    clf.set_params(max_iter=8, n_iter_no_change=np.inf, random_state=0)
    path = tmp_path / "model.pkl"
    with numpy_kernels():
        uninterrupted = clf.__class__(**clf.get_params()).fit(X, y)
        clf.set_callbacks(Checkpoint(path, every=3), _Interrupt(epoch=6))
        with pytest.warns(UserWarning, match="interrupted"):
            clf.fit(X, y)
        assert clf.n_iter_ == 5
        resumed = _load(path)
        assert resumed.n_iter_ == 3  # the last multiple of 3 before Ctrl-C
        for _ in range(8 - resumed.n_iter_):
            resumed.partial_fit(X, y)
    _assert_same_weights(resumed, uninterrupted)
    assert resumed.loss_curve_ == uninterrupted.loss_curve_
    assert not hasattr(resumed, "_skl_callbacks")
    # Nothing else written: no temporary file, no best (no validation set).
    assert os.listdir(tmp_path) == ["model.pkl"]


@needs_callback_api
@pytest.mark.parametrize("weighting", ["sample_weight", "balanced"])
def test_a_checkpoint_resumes_a_weighted_fit_under_its_settings(
    weighting, small, tmp_path
):
    # A checkpoint carries what a finished fit's continuation carries: the
    # weights' scaling, the class weights and the optimizer settings.
    from skmnist.callbacks import Checkpoint

    X, y = small
    fit_params, params = {}, {"n_hidden": 8, "max_iter": 6, "random_state": 0}
    params["n_iter_no_change"] = np.inf
    if weighting == "sample_weight":
        weights = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
        fit_params["sample_weight"] = weights
    else:
        params["class_weight"] = "balanced"
    path = tmp_path / "model.pkl"
    with numpy_kernels():
        uninterrupted = TwoLayerMLPClassifier(**params).fit(X, y, **fit_params)
        clf = TwoLayerMLPClassifier(**params)
        clf.set_callbacks(Checkpoint(path, every=3), _Interrupt(epoch=5))
        with pytest.warns(UserWarning, match="interrupted"):
            clf.fit(X, y, **fit_params)
        resumed = _load(path)
        assert resumed.n_iter_ == 3
        for _ in range(3):
            resumed.partial_fit(X, y, **fit_params)
    _assert_same_weights(resumed, uninterrupted)
    assert resumed.loss_curve_ == uninterrupted.loss_curve_
    stale = _load(path).set_params(beta_1=0.5)
    with pytest.raises(ValueError, match="beta_1 changed"):
        stale.partial_fit(X, y, **fit_params)


@needs_callback_api
def test_checkpoint_writes_the_best_validation_epoch(small, tmp_path):
    from skmnist.callbacks import Checkpoint

    clf = TwoLayerMLPClassifier(
        n_hidden=16, max_iter=12, learning_rate_init=0.05, early_stopping=True,
        n_iter_no_change=np.inf, monitor="accuracy", random_state=0,
    )  # fmt: skip
    clf.set_callbacks(Checkpoint(str(tmp_path / "mlp.pkl"), every=5)).fit(*small)
    best_epoch = int(np.argmax(clf.validation_scores_)) + 1
    assert 1 < best_epoch < 12
    best = _load(tmp_path / "mlp.best.pkl")
    assert best.n_iter_ == best_epoch
    _assert_same_weights(best, clf)  # the epoch early stopping restored
    assert _load(tmp_path / "mlp.pkl").n_iter_ == 10
    assert sorted(os.listdir(tmp_path)) == ["mlp.best.pkl", "mlp.pkl"]


@needs_callback_api
def test_checkpoint_refuses_bad_arguments_before_training(small, tmp_path):
    from skmnist.callbacks import Checkpoint

    with pytest.raises(ValueError, match="every must be a positive integer"):
        Checkpoint(tmp_path / "m.pkl", every=0)
    with pytest.raises(TypeError, match="path must be a file path"):
        Checkpoint(3)
    missing = tmp_path / "no-such-dir" / "m.pkl"
    clf = SoftmaxSGDClassifier(max_iter=2).set_callbacks(Checkpoint(missing))
    with pytest.raises(ValueError, match="does not exist; create it first"):
        clf.fit(*small)
    assert not hasattr(clf, "coef_")


@needs_callback_api
@pytest.mark.parametrize("restore_best", [True, False])
def test_validation_monitor_stops_on_patience_and_restores(restore_best, digits):
    from skmnist.callbacks import ValidationMonitor

    X, y = digits
    monitor = ValidationMonitor(
        X[1500:], y[1500:], scoring="balanced_accuracy", patience=3,
        restore_best=restore_best,
    )  # fmt: skip
    clf = TwoLayerMLPClassifier(
        n_hidden=32, learning_rate_init=0.01, max_iter=100, random_state=0
    )
    clf.set_callbacks(monitor).fit(X[:1500], y[:1500])
    run = monitor.runs[-1]
    assert run.stopped and clf.n_iter_ == len(run.scores) == run.best_epoch + 3
    assert run.best_score == max(run.scores) > run.scores[-1]
    final = balanced_accuracy_score(y[1500:], clf.predict(X[1500:]))
    assert final == (run.best_score if restore_best else run.scores[-1])


@needs_callback_api
def test_validation_monitor_without_patience_only_watches(small):
    from skmnist.callbacks import ValidationMonitor

    X, y = small
    monitor = ValidationMonitor(X, y, restore_best=False)
    clf = SoftmaxSGDClassifier(max_iter=5, tol=0, random_state=0)
    clf.set_callbacks(monitor).fit(X, y)
    run = monitor.runs[-1]
    assert clf.n_iter_ == 5 and not run.stopped
    assert run.scores[-1] == clf.score(X, y)  # the default scorer: accuracy


@needs_callback_api
def test_validation_monitor_refuses_bad_arguments(small):
    from skmnist.callbacks import ValidationMonitor

    X, y = small
    with pytest.raises(ValueError, match="patience must be None"):
        ValidationMonitor(X, y, patience=0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ValidationMonitor(X, y[:-1])
    with pytest.raises(TypeError, match="restore_best must be True or False"):
        ValidationMonitor(X, y, restore_best="yes")
    clf = SoftmaxSGDClassifier().set_callbacks(ValidationMonitor(X, y, scoring="nope"))
    with pytest.raises(ValueError, match="nope"):
        clf.fit(X, y)


@needs_callback_api
def test_docstring_examples():
    import skmnist.callbacks

    result = doctest.testmod(skmnist.callbacks, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# ----------------------------------------------------------------------
# Without the API, and at import time
# ----------------------------------------------------------------------
def _run_python(code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_without_the_callback_api_everything_fits_as_before():
    out = _run_python("""
        import sys, warnings
        try:
            # On >= 1.9 scikit-learn's own code needs these: loaded before
            # sklearn.callback is hidden from everything imported after.
            import sklearn.callback._callback_support
            import sklearn.model_selection, sklearn.pipeline
        except ImportError:
            pass
        sys.modules["sklearn.callback"] = None

        from sklearn.datasets import load_digits
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import GridSearchCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
        from skmnist._callback_support import HAS_CALLBACK_API

        assert not HAS_CALLBACK_API
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        X, y = load_digits(return_X_y=True)
        X = X / 16
        for clf in (
            SoftmaxSGDClassifier(max_iter=3),
            TwoLayerMLPClassifier(n_hidden=8, max_iter=3, verbose=1),
        ):
            assert not hasattr(clf, "set_callbacks")
            clf.fit(X, y).partial_fit(X, y)
            assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 4
        make_pipeline(StandardScaler(), TwoLayerMLPClassifier(max_iter=2)).fit(X, y)
        grid = {"alpha": [1e-4, 1e-3]}
        GridSearchCV(SoftmaxSGDClassifier(max_iter=2), grid, cv=2).fit(X, y)

        from skmnist.callbacks import Checkpoint
        try:
            Checkpoint("model.pkl")
        except ImportError as exc:
            print(exc)
        """)
    assert "Training stopped: maximum iterations (3) reached." in out
    assert 'pip install "skmnist[progress]"' in out


def test_import_skmnist_loads_neither_the_callback_api_nor_rich():
    out = _run_python("""
        import sys
        import skmnist, skmnist.callbacks
        print([name for name in ("sklearn.callback", "rich") if name in sys.modules])
        """)
    assert out.strip() == "[]"


# ----------------------------------------------------------------------
# Checkpoint's files: whose model they hold after an interrupted fit, and
# the paths refused before training
# ----------------------------------------------------------------------
@pytest.fixture
def small400(digits):
    X, y = digits
    return X[:400], y[:400]


def _checkpointed_fit(n_hidden, path, *callbacks, every=5, **fit_params):
    from skmnist.callbacks import Checkpoint

    clf = TwoLayerMLPClassifier(n_hidden=n_hidden, max_iter=10, tol=0, random_state=0)
    clf.set_callbacks(Checkpoint(path, every=every), *callbacks)
    return clf.fit(*fit_params.pop("data"), **fit_params)


def _interrupted(n_hidden, path, epoch, **fit_params):
    with pytest.warns(UserWarning, match="interrupted"):
        return _checkpointed_fit(n_hidden, path, _Interrupt(epoch), **fit_params)


@needs_callback_api
def test_a_new_fit_interrupted_before_its_first_write_leaves_no_earlier_model(
    small400, tmp_path
):
    X, y = small400
    path = tmp_path / "mlp.pkl"
    validation = {"X_val": X[:100], "y_val": y[:100]}
    _checkpointed_fit(
        8, path, data=small400, **validation
    )  # run A: 10 epochs, n_hidden=8
    assert _load(path).n_iter_ == 10 and (tmp_path / "mlp.best.pkl").exists()

    _interrupted(32, path, epoch=3, data=small400)  # run B: no validation set
    # Run A's models would pass for run B's.
    assert os.listdir(tmp_path) == []

    _interrupted(32, path, epoch=3, data=small400, **validation)
    best = _load(tmp_path / "mlp.best.pkl")  # run C's own best epoch
    assert best.n_hidden == 32 and best.n_iter_ <= 2
    assert os.listdir(tmp_path) == ["mlp.best.pkl"]


@needs_callback_api
def test_a_continued_fit_keeps_the_checkpoint_it_resumes_from(small400, tmp_path):
    from skmnist.callbacks import Checkpoint

    path = tmp_path / "mlp.pkl"
    _interrupted(8, path, epoch=8, data=small400)
    resumed = _load(path)
    assert resumed.n_iter_ == 5
    resumed.set_callbacks(Checkpoint(path, every=5))
    resumed.partial_fit(*small400)  # epoch 6: not one to write
    assert _load(path).n_iter_ == 5  # still there to resume from
    resumed.set_params(warm_start=True, max_iter=1).fit(*small400)
    assert _load(path).n_iter_ == 5


@needs_callback_api
def test_a_linked_checkpoint_loses_its_target_and_keeps_the_link(small400, tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "mlp.pkl"
    link = tmp_path / "mlp.pkl"
    link.symlink_to(target)
    _checkpointed_fit(8, link, data=small400)
    assert _load(target).n_iter_ == 10

    _interrupted(32, link, epoch=3, data=small400)
    assert link.is_symlink() and os.listdir(tmp_path / "runs") == []
    _checkpointed_fit(32, link, data=small400)  # written through the link again
    assert _load(target).n_hidden == 32


@needs_callback_api
@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda d: f"{d}/ckpt/", "names a directory"),
        (lambda d: os.symlink("loop", d / "loop") or d / "loop", "loops"),
    ],
    ids=["trailing-separator", "symlink-loop"],
)
def test_a_path_that_names_no_file_is_refused_before_training(
    make, fragment, small400, tmp_path
):
    from skmnist.callbacks import Checkpoint

    path = make(tmp_path)
    before = sorted(os.listdir(tmp_path))
    clf = TwoLayerMLPClassifier(n_hidden=8, max_iter=2)
    clf.set_callbacks(Checkpoint(path, best_path=None))
    with pytest.raises(ValueError, match=fragment) as info:
        clf.fit(*small400)
    assert repr(str(path)) in str(info.value)
    assert not hasattr(clf, "coefs_") and sorted(os.listdir(tmp_path)) == before
