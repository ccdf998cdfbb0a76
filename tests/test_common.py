"""scikit-learn's estimator checks, every one of them, on several configurations."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier

#: scikit-learn's checks train for a fixed, small number of epochs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _unchanged(X_batch, rng):
    """An augmentation that leaves the batch as it is.

    A random one cannot pass the sample-weight checks (a sample of weight k is
    distorted once, k copies of it k times); this one checks the plumbing:
    parameters, cloning, pickling, the dense-only tag.
    """
    return X_batch


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
    TwoLayerMLPClassifier(n_hidden=16, max_iter=100, augment=_unchanged),
]


@parametrize_with_checks(CONFIGURATIONS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
