"""Checkpoint's files: whose model they hold after an interrupted fit, and the
paths refused before training (scikit-learn >= 1.9)."""

import os
import pickle
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

from skmnist import TwoLayerMLPClassifier
from skmnist._callback_support import HAS_CALLBACK_API

pytestmark = pytest.mark.skipif(
    not HAS_CALLBACK_API,
    reason="this scikit-learn has no callback API (sklearn.callback needs >= 1.9)",
)


@pytest.fixture
def small(digits):
    X, y = digits
    return X[:400], y[:400]


@pytest.fixture(autouse=True)
def _short_fits_are_meant():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


class _Interrupt:
    """Presses Ctrl-C as epoch ``epoch`` (from 1) begins."""

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


def _fit(n_hidden, path, *callbacks, every=5, **fit_params):
    from skmnist.callbacks import Checkpoint

    clf = TwoLayerMLPClassifier(n_hidden=n_hidden, max_iter=10, tol=0, random_state=0)
    clf.set_callbacks(Checkpoint(path, every=every), *callbacks)
    return clf.fit(*fit_params.pop("data"), **fit_params)


def _interrupted(n_hidden, path, epoch, **fit_params):
    with pytest.warns(UserWarning, match="interrupted"):
        return _fit(n_hidden, path, _Interrupt(epoch), **fit_params)


def test_a_new_fit_interrupted_before_its_first_write_leaves_no_earlier_model(
    small, tmp_path
):
    X, y = small
    path = tmp_path / "mlp.pkl"
    validation = {"X_val": X[:100], "y_val": y[:100]}
    _fit(8, path, data=small, **validation)  # run A: 10 epochs, n_hidden=8
    assert _load(path).n_iter_ == 10 and (tmp_path / "mlp.best.pkl").exists()

    _interrupted(32, path, epoch=3, data=small)  # run B: no validation set
    # Run A's models would pass for run B's.
    assert os.listdir(tmp_path) == []

    _interrupted(32, path, epoch=3, data=small, **validation)
    best = _load(tmp_path / "mlp.best.pkl")  # run C's own best epoch
    assert best.n_hidden == 32 and best.n_iter_ <= 2
    assert os.listdir(tmp_path) == ["mlp.best.pkl"]


def test_a_continued_fit_keeps_the_checkpoint_it_resumes_from(small, tmp_path):
    from skmnist.callbacks import Checkpoint

    path = tmp_path / "mlp.pkl"
    _interrupted(8, path, epoch=8, data=small)
    resumed = _load(path)
    assert resumed.n_iter_ == 5
    resumed.set_callbacks(Checkpoint(path, every=5))
    resumed.partial_fit(*small)  # epoch 6: not one to write
    assert _load(path).n_iter_ == 5  # still there to resume from
    resumed.set_params(warm_start=True, max_iter=1).fit(*small)
    assert _load(path).n_iter_ == 5


def test_a_linked_checkpoint_loses_its_target_and_keeps_the_link(small, tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "mlp.pkl"
    link = tmp_path / "mlp.pkl"
    link.symlink_to(target)
    _fit(8, link, data=small)
    assert _load(target).n_iter_ == 10

    _interrupted(32, link, epoch=3, data=small)
    assert link.is_symlink() and os.listdir(tmp_path / "runs") == []
    _fit(32, link, data=small)  # written through the link again
    assert _load(target).n_hidden == 32


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda d: f"{d}/ckpt/", "names a directory"),
        (lambda d: os.symlink("loop", d / "loop") or d / "loop", "loops"),
    ],
    ids=["trailing-separator", "symlink-loop"],
)
def test_a_path_that_names_no_file_is_refused_before_training(
    make, fragment, small, tmp_path
):
    from skmnist.callbacks import Checkpoint

    path = make(tmp_path)
    before = sorted(os.listdir(tmp_path))
    clf = TwoLayerMLPClassifier(n_hidden=8, max_iter=2)
    clf.set_callbacks(Checkpoint(path, best_path=None))
    with pytest.raises(ValueError, match=fragment) as info:
        clf.fit(*small)
    assert repr(str(path)) in str(info.value)
    assert not hasattr(clf, "coefs_") and sorted(os.listdir(tmp_path)) == before
