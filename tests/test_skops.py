"""skops.io persistence: only the estimator classes need trust, and nothing is lost.

``skops.io`` refuses to load any type it does not know unless the caller
trusts it by name. ``skmnist.TRUSTED_TYPES`` is the list to pass, and it
names only skmnist's estimator classes: a fitted model keeps its state
(weights, optimizer moments, random generators, ...) as arrays, scalars and
built-in containers, which skops loads without trust.
"""

import importlib
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

import skmnist
from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist.augmentation import (
    Compose,
    ElasticDistortion,
    RandomAffine,
    RandomHorizontalFlip,
    RandomShift,
)

sio = pytest.importorskip("skops.io", reason='needs pip install "skmnist[skops]"')

#: Configurations whose training state differs: Adam's moments, dropout's
#: random stream, SGD's momentum and the iterate average.
MODELS = {
    "mlp-adam-dropout": TwoLayerMLPClassifier(
        n_hidden=16, dropout=0.2, max_iter=3, random_state=0
    ),
    "mlp-sgd-momentum": TwoLayerMLPClassifier(
        n_hidden=16, solver="sgd", activation="tanh", max_iter=3, random_state=0
    ),
    "softmax-sgd-average": SoftmaxSGDClassifier(
        solver="sgd", average=True, max_iter=3, random_state=0
    ),
    "softmax-adam": SoftmaxSGDClassifier(max_iter=3, random_state=0),
    # Every image transform, as a parameter: TRUSTED_TYPES must name them.
    "mlp-augmented": TwoLayerMLPClassifier(
        n_hidden=8,
        max_iter=2,
        random_state=0,
        augment=Compose(
            [
                ("shift", RandomShift(1)),
                ("affine", RandomAffine(degrees=5, image_shape=(8, 8))),
                ("flip", RandomHorizontalFlip()),
                ("elastic", ElasticDistortion(alpha=2, sigma=1, image_shape=(8, 8))),
            ]
        ),
    ),
}


def type_name(cls):
    """A class's name as skops spells it: module and qualified name."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _params(model):
    return {name: repr(value) for name, value in model.get_params().items()}


def resolve(name):
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


@pytest.fixture(scope="module")
def parts(digits):
    """Float32 digits in three parts: to fit, to continue on, to predict."""
    X, y = digits
    X = X.astype(np.float32)
    X_fit, X_rest, y_fit, y_rest = train_test_split(
        X, y, train_size=0.5, stratify=y, random_state=0
    )
    X_more, X_test, y_more, _ = train_test_split(
        X_rest, y_rest, train_size=0.5, stratify=y_rest, random_state=0
    )
    return (X_fit, y_fit), (X_more, y_more), X_test


def round_trip(model):
    dumped = sio.dumps(model)
    return sio.loads(dumped, trusted=skmnist.TRUSTED_TYPES), dumped


def train(model, how, X, y):
    with warnings.catch_warnings():
        # Three epochs are plenty to have a training state worth saving.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if how == "fit":
            return model.fit(X, y)
        return model.partial_fit(X, y, classes=np.arange(10))


def test_trusted_types_name_only_skmnist_classes():
    names = skmnist.TRUSTED_TYPES
    assert isinstance(names, list) and all(isinstance(n, str) for n in names)
    for name in names:
        cls = resolve(name)
        assert isinstance(cls, type) and issubclass(cls, BaseEstimator), name
        assert cls.__module__.split(".")[0] == "skmnist", name
    expected = {type_name(TwoLayerMLPClassifier), type_name(SoftmaxSGDClassifier)}
    assert expected <= set(names)


@pytest.mark.parametrize("name", MODELS)
def test_unfitted_estimator_round_trips(name):
    loaded, dumped = round_trip(MODELS[name])
    assert type(loaded) is type(MODELS[name])
    # By repr: the image transforms define no equality of their own.
    assert _params(loaded) == _params(MODELS[name])
    assert set(sio.get_untrusted_types(data=dumped)) <= set(skmnist.TRUSTED_TYPES)


@pytest.mark.parametrize("how", ["fit", "partial_fit"])
@pytest.mark.parametrize("name", MODELS)
def test_fitted_estimator_needs_only_the_trusted_types(parts, name, how):
    (X, y), _, _ = parts
    model = train(clone(MODELS[name]), how, X, y)
    untrusted = sio.get_untrusted_types(data=sio.dumps(model))
    assert set(untrusted) <= set(skmnist.TRUSTED_TYPES), untrusted


@pytest.mark.parametrize("how", ["fit", "partial_fit"])
@pytest.mark.parametrize("name", MODELS)
def test_loaded_estimator_predicts_and_continues_like_the_original(parts, name, how):
    (X, y), (X_more, y_more), X_test = parts
    original = train(clone(MODELS[name]), how, X, y)
    loaded, _ = round_trip(original)

    np.testing.assert_array_equal(loaded.predict(X_test), original.predict(X_test))
    np.testing.assert_array_equal(
        loaded.predict_proba(X_test), original.predict_proba(X_test)
    )
    assert loaded.n_iter_ == original.n_iter_ and loaded.t_ == original.t_

    # Continuing needs the whole training state: the optimizer's memory, the
    # iterate average and the random generators (shuffling, dropout).
    for model in (original, loaded):
        model.partial_fit(X_more, y_more)
    for got, expected in zip(fitted_arrays(loaded), fitted_arrays(original)):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(
        loaded.predict_proba(X_test), original.predict_proba(X_test)
    )


def fitted_arrays(model):
    if isinstance(model, TwoLayerMLPClassifier):
        return [*model.coefs_, *model.intercepts_]
    return [model.coef_, model.intercept_]


def test_loaded_estimator_keeps_float32(parts):
    (X, y), _, _ = parts
    original = train(clone(MODELS["mlp-adam-dropout"]), "fit", X, y)
    loaded, _ = round_trip(original)
    assert [w.dtype for w in loaded.coefs_] == [np.dtype(np.float32)] * 2
    np.testing.assert_array_equal(loaded.classes_, original.classes_)
