"""One home for each fact (issue 18): the trained network, each hyperparameter.

The probes that found the copies disagreeing, and the checks that keep each
fact in one place: what ``predict`` uses is what export and diagnostics
describe, every parameter is declared once, and its role (fixed under a
continued model or not) follows from where it is declared.
"""

import dataclasses
import inspect
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist._compiled import compiled_kernels, numpy_kernels
from skmnist._settings import (
    EstimatorSettings,
    OptimizerSettings,
    TrainingSettings,
    declared_fields,
)
from skmnist.diagnostics import gradient_check

ESTIMATORS = [SoftmaxSGDClassifier, TwoLayerMLPClassifier]


@pytest.fixture(scope="module")
def sixteenths():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


# ----------------------------------------------------------------------
# The trained network is what export and diagnostics describe
# ----------------------------------------------------------------------
def test_onnx_after_set_params_exports_the_trained_network(sixteenths):
    pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    import skmnist.onnx  # noqa: F401 - registers the converters

    X, y = sixteenths
    clf = _fit(TwoLayerMLPClassifier(n_hidden=32, max_iter=10, random_state=0), X, y)
    expected = clf.predict_proba(X[:200])
    clf.set_params(activation="tanh", n_hidden=7)  # as clone/set_params may
    onx = to_onnx(clf, X[:1], options={"zipmap": False})
    session = ort.InferenceSession(onx.SerializeToString())
    labels, proba = session.run(None, {"X": X[:200]})
    assert_allclose(proba, expected, atol=1e-5)
    assert_array_equal(labels, clf.predict(X[:200]))


def test_gradient_check_after_set_params_checks_the_trained_network(sixteenths):
    X, y = sixteenths
    clf = _fit(TwoLayerMLPClassifier(n_hidden=12, max_iter=3, random_state=0), X, y)
    before = gradient_check(clf, X[:10], y[:10])
    clf.set_params(n_hidden=7, activation="tanh")
    after = gradient_check(clf, X[:10], y[:10])
    assert before == after  # the same (trained, relu, 12-unit) network
    assert max(after.values()) < 1e-6


def test_public_weights_are_views_of_the_one_network(sixteenths):
    X, y = sixteenths
    clf = _fit(TwoLayerMLPClassifier(n_hidden=8, max_iter=2, random_state=0), X, y)
    for array in clf.coefs_ + clf.intercepts_:
        assert np.shares_memory(array, clf._network.solution)
    proba = clf.predict_proba(X[:5])
    clf.coefs_[1][...] = 0  # an in-place edit changes the model, as in MLPClassifier
    assert not np.allclose(clf.predict_proba(X[:5]), proba)


def test_assigned_weights_of_the_wrong_shape_are_refused(sixteenths):
    X, y = sixteenths
    clf = _fit(TwoLayerMLPClassifier(n_hidden=8, max_iter=2, random_state=0), X, y)
    clf.coefs_ = [np.zeros((64, 5)), np.zeros((5, 10))]
    with pytest.raises(ValueError, match="shapes"):
        clf.predict(X[:3])


def test_a_pickle_stores_the_weights_once(sixteenths):
    X, y = sixteenths
    clf = _fit(TwoLayerMLPClassifier(n_hidden=64, max_iter=2, random_state=0), X, y)
    n_bytes = clf._network.solution.nbytes
    # The solution and Adam's two moments; the public views are not stored.
    assert len(pickle.dumps(clf)) < 3.3 * n_bytes
    loaded = pickle.loads(pickle.dumps(clf))
    assert np.shares_memory(loaded.coefs_[0], loaded._network.solution)
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


# ----------------------------------------------------------------------
# Each hyperparameter declared once
# ----------------------------------------------------------------------
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_is_declared_and_constrained_from_its_declaration(Estimator):
    declared = declared_fields(
        Estimator._model_class, OptimizerSettings, TrainingSettings, EstimatorSettings
    )
    names = [n for n in inspect.signature(Estimator.__init__).parameters if n != "self"]
    assert set(names) <= set(declared)
    assert set(Estimator._parameter_constraints) == set(names)
    for name in names:
        assert (
            Estimator._parameter_constraints[name]
            is declared[name].metadata["constraints"]
        )
        # Documented with the estimator's own default.
        default = inspect.signature(Estimator.__init__).parameters[name].default
        assert f"{name} : " in Estimator.__doc__
        assert f"default={default!r}" in Estimator.__doc__


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_optimizer_and_architecture_parameter_is_fixed_under_partial_fit(
    Estimator,
):
    fixed = {f.name for f in dataclasses.fields(OptimizerSettings)}
    fixed |= {f.name for f in dataclasses.fields(Estimator._model_class)}
    assert set(Estimator._fixed_parameters) == fixed
    training = {f.name for f in dataclasses.fields(TrainingSettings)}
    assert not training & set(Estimator._fixed_parameters)


def test_an_undeclared_parameter_fails_when_the_class_is_made():
    with pytest.raises(TypeError, match="undeclared \\['gamma'"):

        class Drifted(SoftmaxSGDClassifier):
            def __init__(self, *, gamma=1.0, **rest):
                pass

    with pytest.raises(TypeError, match="missing"):

        class Lacking(TwoLayerMLPClassifier):
            def __init__(self, n_hidden=3):
                self.n_hidden = n_hidden


@pytest.mark.parametrize(
    "change", [{"beta_2": 0.99}, {"learning_rate": "invscaling"}, {"average": 5}]
)
def test_partial_fit_refuses_a_changed_optimizer_parameter(sixteenths, change):
    X, y = sixteenths
    clf = TwoLayerMLPClassifier(n_hidden=8, random_state=0)
    clf.partial_fit(X, y, classes=np.arange(10))
    clf.set_params(**change)
    with pytest.raises(ValueError, match=f"{next(iter(change))} changed"):
        clf.partial_fit(X, y)


def test_an_estimator_class_as_augment_is_refused_by_validation(sixteenths):
    from skmnist.augmentation import RandomShift

    X, y = sixteenths
    with pytest.raises(ValueError, match="augment"):
        TwoLayerMLPClassifier(augment=RandomShift).fit(X, y)


# ----------------------------------------------------------------------
# Leaky ReLU: the worked example of a new activation
# ----------------------------------------------------------------------
def test_leaky_relu_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])
    clf = TwoLayerMLPClassifier(n_hidden=5, activation="leaky_relu", alpha=1e-3)
    errors = gradient_check(clf, X, y)
    assert max(errors.values()) < 1e-7, errors


def test_leaky_relu_keeps_negative_slopes_and_both_paths_agree(sixteenths):
    if compiled_kernels() is None:
        pytest.skip("numba is not installed (pip install 'skmnist[fast]')")
    X, y = sixteenths
    est = TwoLayerMLPClassifier(
        n_hidden=16, activation="leaky_relu", max_iter=3, random_state=0
    )
    compiled = _fit(clone(est), X, y)
    with numpy_kernels():
        plain = _fit(clone(est), X, y)
    assert_allclose(compiled.coefs_[0], plain.coefs_[0], rtol=1e-4, atol=1e-6)
    hidden = X[:50] @ compiled.coefs_[0] + compiled.intercepts_[0]
    assert (hidden < 0).any()  # the slope below zero is exercised


def test_leaky_relu_exports_to_onnx(sixteenths):
    pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    import skmnist.onnx  # noqa: F401

    X, y = sixteenths
    clf = _fit(
        TwoLayerMLPClassifier(
            n_hidden=16, activation="leaky_relu", max_iter=5, random_state=0
        ),
        X,
        y,
    )
    onx = to_onnx(clf, X[:1], options={"zipmap": False})
    _, proba = ort.InferenceSession(onx.SerializeToString()).run(None, {"X": X})
    assert_allclose(proba, clf.predict_proba(X), atol=1e-5)
