"""scikit-learn's estimator checks, every one of them, on several configurations."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier

#: scikit-learn's checks train for a fixed, small number of epochs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


CONFIGURATIONS = [
    SoftmaxSGDClassifier(),
    # sklearn's class-weight check trains on 50 noisy samples: hold out more
    # than 10% for the validation score to mean anything, and count the
    # validation loss's small steps near zero as progress.
    SoftmaxSGDClassifier(early_stopping=True, validation_fraction=0.3, tol=1e-5),
    SoftmaxSGDClassifier(
        early_stopping=True, validation_fraction=0.3, tol=1e-5, patience=200
    ),
    SoftmaxSGDClassifier(solver="adam", average=False),
    SoftmaxSGDClassifier(
        average=False, momentum=0.0, learning_rate="invscaling", power_t=0.25
    ),
    TwoLayerMLPClassifier(n_hidden=16, max_iter=100),
    TwoLayerMLPClassifier(
        n_hidden=16,
        max_iter=100,
        activation="logistic",
        solver="sgd",
        learning_rate_init="auto",
    ),
    TwoLayerMLPClassifier(
        n_hidden=16, max_iter=100, activation="tanh", learning_rate="adaptive"
    ),
    TwoLayerMLPClassifier(n_hidden=16, max_iter=100, activation="identity"),
    TwoLayerMLPClassifier(
        n_hidden=16,
        max_iter=100,
        early_stopping=True,
        validation_fraction=0.3,
        learning_rate_init=0.01,
    ),
    TwoLayerMLPClassifier(
        n_hidden=16, max_iter=100, dropout=0.2, learning_rate_init=0.01
    ),
]


@parametrize_with_checks(CONFIGURATIONS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
