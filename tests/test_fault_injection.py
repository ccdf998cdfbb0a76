"""Nothing entrusted is lost (issue 19): faults injected where users meet them.

Checkpoints and monitors under special files, read-only and full disks,
unpicklable models, raising scorers and Ctrl-C; resumes with weights; saved
models tampered with; inputs that used to crash or mislead.
"""

import os
import pickle
import stat
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist._callback_support import HAS_CALLBACK_API

needs_callbacks = pytest.mark.skipif(
    not HAS_CALLBACK_API,
    reason="callbacks need scikit-learn >= 1.9 (pip install 'skmnist[progress]')",
)


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16, y


def _quiet_fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


def _mlp(**params):
    return TwoLayerMLPClassifier(
        **{"n_hidden": 8, "max_iter": 4, "tol": 0, "random_state": 0, **params}
    )


# ----------------------------------------------------------------------
# Checkpoint: checked before the first epoch, never over a special file
# ----------------------------------------------------------------------
@needs_callbacks
@pytest.mark.parametrize("kind", ["fifo", "directory", "devnull"])
def test_checkpoint_refuses_special_files_before_training(digits, tmp_path, kind):
    from skmnist.callbacks import Checkpoint

    X, y = digits
    path = tmp_path / "model.pkl"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path = "/dev/null"
    clf = _mlp().set_callbacks(Checkpoint(path))
    with pytest.raises(ValueError, match="not a regular file|is a directory"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")  # refused before any training
    if kind == "devnull":
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    elif kind == "fifo":
        assert stat.S_ISFIFO(os.stat(path).st_mode)


@needs_callbacks
def test_checkpoint_writes_through_a_symlink(digits, tmp_path):
    from skmnist.callbacks import Checkpoint

    X, y = digits
    target = tmp_path / "real.pkl"
    target.write_bytes(b"old")
    link = tmp_path / "link.pkl"
    link.symlink_to(target)
    clf = _quiet_fit(_mlp().set_callbacks(Checkpoint(link, best_path=None)), X, y)
    assert link.is_symlink()
    with open(target, "rb") as f:
        saved = pickle.load(f)
    assert_array_equal(saved.predict(X), clf.predict(X))


@needs_callbacks
@pytest.mark.parametrize("path", ["", "missing/dir/model.pkl", "x" * 300 + ".pkl"])
def test_checkpoint_refuses_unusable_paths_naming_them(digits, tmp_path, path):
    from skmnist.callbacks import Checkpoint

    X, y = digits
    os.chdir(tmp_path)
    clf = _mlp().set_callbacks(Checkpoint(path, best_path=None))
    with pytest.raises(ValueError) as raised:
        clf.fit(X, y)
    assert ".part" not in str(raised.value) and ".tmp" not in str(raised.value)
    assert os.listdir(tmp_path) == []  # nothing written, not even a temporary


@needs_callbacks
def test_checkpoint_refuses_an_unwritable_directory(digits, tmp_path, monkeypatch):
    from skmnist.callbacks import Checkpoint

    X, y = digits
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode, **kw: False if mode & os.W_OK else real_access(p, mode),
    )
    with pytest.raises(ValueError, match="writable"):
        _mlp().set_callbacks(Checkpoint(tmp_path / "m.pkl")).fit(X, y)


@needs_callbacks
def test_checkpoint_refuses_a_model_it_cannot_pickle_before_training(digits, tmp_path):
    from skmnist.callbacks import Checkpoint

    X, y = digits
    clf = _mlp(augment=lambda batch, rng: batch)
    clf.set_callbacks(Checkpoint(tmp_path / "m.pkl"))
    with pytest.raises(ValueError, match="cannot pickle"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


@needs_callbacks
def test_a_write_failure_mid_fit_keeps_the_model_trained_so_far(
    digits, tmp_path, monkeypatch
):
    from skmnist import _files
    from skmnist.callbacks import Checkpoint

    X, y = digits
    path = tmp_path / "m.pkl"
    clf = _mlp(max_iter=6).set_callbacks(Checkpoint(path, every=1, best_path=None))
    writes = []
    real_replace = os.replace

    def replace_then_fill_the_disk(src, dst):
        writes.append(dst)
        if len(writes) == 3:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(_files.os, "replace", replace_then_fill_the_disk)
    with pytest.warns(UserWarning, match="keeps the model trained so far \\(3 epochs"):
        with pytest.raises(OSError, match="No space"):
            clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    with open(path, "rb") as f:
        assert pickle.load(f).n_iter_ == 2  # the previous checkpoint survives
    assert sorted(os.listdir(tmp_path)) == ["m.pkl"]  # no debris


@needs_callbacks
def test_ctrl_c_during_a_checkpoint_write_keeps_the_previous_checkpoint(
    digits, tmp_path, monkeypatch
):
    from skmnist import _files
    from skmnist.callbacks import Checkpoint

    X, y = digits
    path = tmp_path / "m.pkl"
    clf = _mlp(max_iter=5).set_callbacks(Checkpoint(path, best_path=None))
    calls = []
    real_replace = os.replace

    def interrupted(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(_files.os, "replace", interrupted)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    with open(path, "rb") as f:
        assert pickle.load(f).n_iter_ == 1
    assert sorted(os.listdir(tmp_path)) == ["m.pkl"]


# ----------------------------------------------------------------------
# ValidationMonitor: checked against the fit; NaN is never best
# ----------------------------------------------------------------------
@needs_callbacks
def test_monitor_refuses_labels_outside_classes_before_training(digits):
    from skmnist.callbacks import ValidationMonitor

    X, y = digits
    monitor = ValidationMonitor(X[1500:], y[1500:] + 1)  # the course's 1..10
    clf = _mlp().set_callbacks(monitor)
    with pytest.raises(ValueError, match="not among the classes"):
        clf.fit(X[:1500], y[:1500])
    assert not hasattr(clf, "coefs_")


@needs_callbacks
def test_monitor_refuses_the_wrong_width_before_training(digits):
    from skmnist.callbacks import ValidationMonitor

    X, y = digits
    clf = _mlp().set_callbacks(ValidationMonitor(X[1500:, :10], y[1500:]))
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:1500], y[:1500])
    assert not hasattr(clf, "coefs_")


@needs_callbacks
def test_a_nan_score_is_never_the_best(digits):
    from skmnist.callbacks import ValidationMonitor

    X, y = digits
    scores = iter([float("nan"), 0.5, 0.7, 0.6, 0.6])

    def scorer(estimator, X_val, y_val):
        return next(scores)

    monitor = ValidationMonitor(X[1500:], y[1500:], scoring=scorer)
    clf = _quiet_fit(_mlp(max_iter=5).set_callbacks(monitor), X[:1500], y[:1500])
    run = monitor.runs[-1]
    assert run.best_epoch == 3 and run.best_score == 0.7
    assert clf.n_iter_ == 5  # the fit ran on, ending with epoch 3's weights


@needs_callbacks
def test_a_raising_scorer_keeps_the_model_trained_so_far(digits):
    from skmnist.callbacks import ValidationMonitor

    X, y = digits
    calls = []

    def scorer(estimator, X_val, y_val):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("scorer failed")
        return 0.5 + 0.1 * len(calls)

    clf = _mlp(max_iter=6, n_hidden=32, learning_rate_init=0.02).set_callbacks(
        ValidationMonitor(X[1500:], y[1500:], scoring=scorer)
    )
    with pytest.warns(UserWarning, match="ValidationMonitor raised RuntimeError"):
        with pytest.raises(RuntimeError, match="scorer failed"):
            clf.fit(X[:1500], y[:1500])
    assert clf.n_iter_ == 3
    assert clf.score(X[1500:], y[1500:]) > 0.8  # a usable model


@needs_callbacks
def test_readme_checkpoint_and_monitor_write_what_they_say(digits, tmp_path):
    from skmnist.callbacks import Checkpoint, ValidationMonitor

    X, y = digits
    monitor = ValidationMonitor(
        X[1500:], y[1500:], scoring="balanced_accuracy", patience=5
    )
    clf = TwoLayerMLPClassifier(learning_rate_init=0.01, random_state=0, max_iter=12)
    path = tmp_path / "mlp.pkl"
    _quiet_fit(
        clf.set_callbacks(monitor, Checkpoint(path, every=10)), X[:1500], y[:1500]
    )
    with open(path, "rb") as f:
        saved = pickle.load(f)
    assert len(saved.loss_curve_) == 10
    resumed = saved.partial_fit(X[:1500], y[:1500])
    assert len(resumed.loss_curve_) == 11


# ----------------------------------------------------------------------
# Resume with weights, bit for bit
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "weighting",
    ["sample_weight", "class_weight_dict", "balanced"],
)
@pytest.mark.parametrize("Estimator", [SoftmaxSGDClassifier, TwoLayerMLPClassifier])
def test_a_weighted_fit_resumes_bit_for_bit(digits, weighting, Estimator):
    X, y = digits
    X, y = X[:500], y[:500]
    fit_params, params = {}, {"max_iter": 4, "tol": 0, "random_state": 0}
    if weighting == "sample_weight":
        fit_params["sample_weight"] = np.random.default_rng(0).uniform(0.2, 3, len(y))
    elif weighting == "class_weight_dict":
        params["class_weight"] = {k: 1 + k / 3 for k in range(10)}
    else:
        params["class_weight"] = "balanced"
    if Estimator is TwoLayerMLPClassifier:
        params["n_hidden"] = 8
    whole = _quiet_fit(Estimator(**params), X, y, **fit_params)
    resumed = _quiet_fit(Estimator(**{**params, "max_iter": 2}), X, y, **fit_params)
    for _ in range(2):
        resumed.partial_fit(X, y, **fit_params)
    assert_array_equal(resumed.predict_proba(X), whole.predict_proba(X))
    assert resumed.loss_curve_ == whole.loss_curve_


# ----------------------------------------------------------------------
# Saved models are checked before they are trusted
# ----------------------------------------------------------------------
def _tampered(clf, edit):
    state = clf.__getstate__()
    edit(state)
    loaded = object.__new__(type(clf))
    loaded.__setstate__(state)
    return loaded


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda s: s["_network"].update(solution=s["_network"]["solution"][:-1]),
            "vector",
        ),
        (lambda s: s["_network"].update(solution=np.full(5, np.nan)), "vector|NaN"),
        (lambda s: s["_network"]["model"].update(n_hidden=-3), "invalid"),
        (lambda s: s["_network"].update(model_type="os.system"), "unknown"),
        (
            lambda s: s["_continuation"]["optimizer"].update(first_moment=np.zeros(3)),
            "optimizer",
        ),
        (lambda s: s.pop("_continuation"), "lacks|continuation|damaged"),
        (
            lambda s: s["_continuation"]["optimizer"].update(learning_rate_init="abc"),
            "learning_rate_init",
        ),
        (
            lambda s: s["_continuation"]["optimizer"].update(learning_rate_init=0.0),
            "learning_rate_init",
        ),
        (
            lambda s: s["_continuation"]["optimizer"].update(learning_rate=np.nan),
            "learning_rate",
        ),
        (
            lambda s: s["_continuation"]["optimizer"].update(n_steps=-1),
            "n_steps",
        ),
        (lambda s: s["_continuation"].update(t=-5), r"\bt \(-5\) is invalid"),
        (lambda s: s["_continuation"].update(n_updates=2.5), "n_updates"),
        (lambda s: s["_continuation"].update(n_updates=True), "n_updates"),
    ],
)
def test_a_tampered_model_is_refused_when_loaded(digits, edit, message):
    X, y = digits
    clf = _quiet_fit(_mlp(max_iter=2), X, y)
    with pytest.raises((ValueError, KeyError), match=message):
        _tampered(clf, edit)


def test_a_tampered_skops_file_is_refused(digits, tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io")
    import skmnist

    X, y = digits
    clf = _quiet_fit(_mlp(max_iter=2), X, y)
    original = TwoLayerMLPClassifier.__getstate__

    def cut_bias(self):
        state = original(self)
        state["_network"]["solution"] = state["_network"]["solution"][:-3]
        return state

    path = tmp_path / "m.skops"
    with monkeypatch.context() as patch:
        patch.setattr(TwoLayerMLPClassifier, "__getstate__", cut_bias)
        sio.dump(clf, path)
    with pytest.raises(ValueError, match="vector"):
        sio.load(path, trusted=skmnist.TRUSTED_TYPES)


# ----------------------------------------------------------------------
# Inputs that used to crash or mislead
# ----------------------------------------------------------------------
def test_gradient_check_refuses_mismatched_rows_instead_of_crashing():
    from skmnist.diagnostics import gradient_check

    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        gradient_check(
            TwoLayerMLPClassifier(n_hidden=3), rng.normal(size=(50, 4)), [0, 1, 2]
        )


def test_float32_rows_near_the_largest_float_get_finite_probabilities(digits):
    X, y = digits
    clf = _quiet_fit(_mlp(), X.astype(np.float32), y)
    row = np.full((1, 64), 3.4e38, dtype=np.float32)
    proba = clf.predict_proba(np.vstack([row, X[:2].astype(np.float32)]))
    assert np.all(np.isfinite(proba))
    assert_array_equal(proba.sum(axis=1).round(5), 1)
    wide = clf._network.model  # the label is the float64 network's
    assert clf.predict(row)[0] == clf.classes_[np.argmax(proba[0])]
    assert wide is not None


def test_non_finite_augmented_pixels_are_blamed_on_the_transform(digits):
    X, y = digits

    def breaks(batch, rng):
        batch[0, 0] = np.nan
        return batch

    with pytest.raises(ValueError, match="augment=.* turned finite pixels into NaN"):
        _mlp(augment=breaks).fit(X, y)


def test_onnx_refuses_labels_int64_cannot_hold(digits):
    pytest.importorskip("skl2onnx")
    from skl2onnx import to_onnx

    import skmnist.onnx  # noqa: F401

    X, y = digits
    labels = y.astype(np.uint64) + np.uint64(2**63)
    clf = _quiet_fit(_mlp(max_iter=2), X, labels)
    with pytest.raises(ValueError, match="int64"):
        to_onnx(clf, X[:1].astype(np.float32))


def test_onnx_probabilities_stay_finite_for_huge_float32_rows(digits):
    pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    from numpy.testing import assert_allclose
    from skl2onnx import to_onnx

    import skmnist.onnx  # noqa: F401

    X, y = digits
    X = X.astype(np.float32)
    clf = _quiet_fit(_mlp(), X, y)
    rows = np.vstack([np.full((1, 64), 3.4e38, dtype=np.float32), X[:20]])
    onx = to_onnx(clf, X[:1], options={"zipmap": False})
    labels, proba = ort.InferenceSession(onx.SerializeToString()).run(None, {"X": rows})
    assert np.all(np.isfinite(proba))
    assert_allclose(proba, clf.predict_proba(rows), atol=1e-6)
    assert_array_equal(labels, clf.predict(rows))


@pytest.mark.slow
def test_property_weighted_resume_is_bit_for_bit(digits):
    """Any weights, split at any epoch: resuming equals the uninterrupted fit."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    X, y = digits[0][:300], digits[1][:300]

    @settings(deadline=None)
    @given(
        seed=st.integers(0, 2**16),
        split=st.integers(1, 3),
        weighted=st.sampled_from(["sample", "dict", "balanced", "both"]),
        mlp=st.booleans(),
    )
    def check(seed, split, weighted, mlp):
        rng = np.random.default_rng(seed)
        fit_params, params = {}, {"max_iter": 4, "tol": 0, "random_state": seed}
        if weighted in ("sample", "both"):
            weight = rng.uniform(0, 4, len(y))
            weight[rng.random(len(y)) < 0.1] = 0
            fit_params["sample_weight"] = weight
        if weighted in ("dict", "both"):
            params["class_weight"] = {k: float(rng.uniform(0.1, 3)) for k in range(10)}
        elif weighted == "balanced":
            params["class_weight"] = "balanced"
        Estimator = TwoLayerMLPClassifier if mlp else SoftmaxSGDClassifier
        if mlp:
            params["n_hidden"] = 6
        whole = _quiet_fit(Estimator(**params), X, y, **fit_params)
        part = _quiet_fit(
            Estimator(**{**params, "max_iter": split}), X, y, **fit_params
        )
        for _ in range(4 - split):
            part.partial_fit(X, y, **fit_params)
        assert part.loss_curve_ == whole.loss_curve_
        assert_array_equal(part.predict_proba(X), whole.predict_proba(X))

    check()
