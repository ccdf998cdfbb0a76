"""TwoLayerMLPClassifier: backprop, dropout, MLPClassifier compatibility, accuracy."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score

from conftest import central_differences
from skmnist import TwoLayerMLPClassifier
from skmnist._numerics import ACTIVATIONS, LEAKY_SLOPE

#: Fits here are kept short on purpose (a few epochs show what is tested);
#: tests of the warning itself use pytest.warns, which sees it regardless.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: What README.md recommends for the course's 20x20 digits.
DIGITS20X20_SETTINGS = dict(
    n_hidden=200, dropout=0.5, learning_rate_init=2e-3, max_iter=60
)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("with_weights", [False, True])
def test_backprop_matches_central_differences(objective, rng, activation, with_weights):
    X = rng.normal(size=(10, 4))
    y = rng.integers(0, 3, size=10)
    weight = rng.uniform(0.1, 3, size=10) if with_weights else None
    est = TwoLayerMLPClassifier(n_hidden=5, activation=activation, alpha=0.2)
    params = rng.normal(size=4 * 5 + 5 * 3 + 5 + 3)
    _, analytic, _ = objective(est, params, X, y, weight)
    numerical = central_differences(
        lambda p: objective(est, p, X, y, weight)[0], params
    )
    assert_allclose(analytic, numerical, rtol=1e-5, atol=1e-7)


def test_backprop_through_dropout_matches_central_differences(objective, rng):
    """With the mask held fixed, the gradient is exact too."""
    X = rng.normal(size=(10, 4))
    y = rng.integers(0, 3, size=10)
    est = TwoLayerMLPClassifier(
        n_hidden=6, activation="logistic", dropout=0.4, alpha=0.1
    )
    params = rng.normal(size=4 * 6 + 6 * 3 + 6 + 3)
    loss, analytic, _ = objective(est, params, X, y, dropout_seed=1)
    no_dropout_loss, _, _ = objective(est, params, X, y)
    assert loss != pytest.approx(no_dropout_loss)
    numerical = central_differences(
        lambda p: objective(est, p, X, y, dropout_seed=1)[0], params
    )
    assert_allclose(analytic, numerical, rtol=1e-5, atol=1e-7)


def test_mlpclassifier_compatible_attributes(digits):
    X, y = digits
    est = TwoLayerMLPClassifier(n_hidden=20, max_iter=30, random_state=0).fit(X, y)
    assert [w.shape for w in est.coefs_] == [(64, 20), (20, 10)]
    assert [b.shape for b in est.intercepts_] == [(20,), (10,)]
    assert (est.n_layers_, est.n_outputs_, est.out_activation_) == (3, 10, "softmax")
    assert est.loss_ == est.loss_curve_[-1]
    assert est.best_loss_ == min(est.loss_curve_)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_predict_proba_is_the_documented_forward_pass(digits, activation):
    """softmax(act(X W1 + b1) W2 + b2): what users of coefs_ will compute."""
    X, y = digits
    est = TwoLayerMLPClassifier(
        n_hidden=8, activation=activation, max_iter=3, random_state=0
    ).fit(X, y)
    reference_activations = {
        "relu": lambda z: np.maximum(z, 0),
        "leaky_relu": lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        "logistic": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "identity": lambda z: z,
    }
    hidden = reference_activations[activation](X @ est.coefs_[0] + est.intercepts_[0])
    expected = softmax(hidden @ est.coefs_[1] + est.intercepts_[1], axis=1)
    assert_allclose(est.predict_proba(X), expected, rtol=1e-10, atol=1e-12)


def test_dropout_is_off_at_predict_time(digits):
    X, y = digits
    est = TwoLayerMLPClassifier(
        n_hidden=16, dropout=0.5, max_iter=5, random_state=0
    ).fit(X, y)
    first = est.predict_proba(X)
    assert_array_equal(est.predict_proba(X), first)
    hidden = np.maximum(X @ est.coefs_[0] + est.intercepts_[0], 0)
    assert_allclose(first, softmax(hidden @ est.coefs_[1] + est.intercepts_[1], axis=1))


def test_dropout_changes_training_but_not_its_reproducibility(digits):
    X, y = digits
    params = dict(n_hidden=16, max_iter=5, random_state=0, tol=0)
    plain = TwoLayerMLPClassifier(**params).fit(X, y)
    dropped = TwoLayerMLPClassifier(dropout=0.5, **params).fit(X, y)
    again = TwoLayerMLPClassifier(dropout=0.5, **params).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    assert_array_equal(dropped.coefs_[0], again.coefs_[0])
    assert_array_equal(dropped.coefs_[1], again.coefs_[1])


@pytest.mark.parametrize(
    "activation, expected_bound",
    [
        ("relu", np.sqrt(6 / 64)),
        ("tanh", np.sqrt(6 / (64 + 30))),
        ("logistic", 4 * np.sqrt(6 / (64 + 30))),
    ],
)
def test_initialization_suits_the_activation(digits, activation, expected_bound):
    X, y = digits
    est = TwoLayerMLPClassifier(
        n_hidden=30,
        activation=activation,
        max_iter=1,
        learning_rate_init=1e-12,
        random_state=0,
    )
    est.partial_fit(X, y, classes=np.arange(10))
    spread = np.abs(est.coefs_[0]).max()
    assert 0.95 * expected_bound < spread <= expected_bound


@pytest.mark.full_data
def test_full_mnist_quick_fit(mnist):
    X_train, y_train, X_test, y_test = mnist
    est = TwoLayerMLPClassifier(n_hidden=256, max_iter=6, random_state=0, tol=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_train, y_train)
    assert est.score(X_test, y_test) >= 0.975


@pytest.mark.full_data
def test_digits20x20_cross_validated_accuracy(digits20x20):
    X, y = digits20x20
    est = TwoLayerMLPClassifier(random_state=0, **DIGITS20X20_SETTINGS)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = cross_val_score(est, X.astype(np.float32), y, cv=cv)
    assert scores.mean() >= 0.93
