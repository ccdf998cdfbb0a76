"""SoftmaxSGDClassifier: its gradient, its fitted attributes, its accuracy."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression

from conftest import central_differences
from skmnist import SoftmaxSGDClassifier

#: Fits here are kept short on purpose (a few epochs show what is tested);
#: tests of the warning itself use pytest.warns, which sees it regardless.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("with_weights", [False, True])
def test_gradient_matches_central_differences(objective, rng, with_weights):
    X = rng.normal(size=(12, 5))
    y = rng.integers(0, 4, size=12)
    weight = rng.uniform(0.1, 3, size=12) if with_weights else None
    est = SoftmaxSGDClassifier(alpha=0.3)
    params = rng.normal(size=4 * 5 + 4)
    _, analytic, _ = objective(est, params, X, y, weight)
    numerical = central_differences(
        lambda p: objective(est, p, X, y, weight)[0], params
    )
    assert_allclose(analytic, numerical, rtol=1e-6, atol=1e-8)


def test_fitted_attributes(digits):
    X, y = digits
    est = SoftmaxSGDClassifier(random_state=0).fit(X, y)
    assert est.coef_.shape == (10, 64)
    assert est.intercept_.shape == (10,)
    assert est.n_features_in_ == 64
    assert est.loss_ == est.loss_curve_[-1]
    assert est.validation_scores_ is None


def test_binary_problem_keeps_a_two_class_softmax(digits):
    X, y = digits
    mask = y < 2
    est = SoftmaxSGDClassifier(random_state=0).fit(X[mask], y[mask])
    assert est.coef_.shape == (2, 64)
    scores = est.decision_function(X[mask])
    assert scores.shape == (mask.sum(),)
    assert_allclose(est.predict_proba(X[mask])[:, 1], 1 / (1 + np.exp(-scores)))


def test_feature_names_from_a_dataframe(digits):
    pd = pytest.importorskip("pandas", reason="pandas is in the test extra")
    X, y = digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    est = SoftmaxSGDClassifier(random_state=0, max_iter=5).fit(frame, y)
    assert list(est.feature_names_in_) == list(frame.columns)


@pytest.mark.slow
def test_reaches_the_multinomial_optimum(digits):
    """Averaged SGD ends within 0.1% of the optimum LogisticRegression finds,
    given the epochs. The no-improvement rule reads the iterates' loss, which
    levels off at their noise before their average has converged (as in
    SGDClassifier: with the default patience this fit stopped after 13
    epochs, 4% above the optimum), so it is off here."""
    X, y = digits
    alpha = 1e-3

    def objective(est):
        log_proba = est.predict_log_proba(X)
        nll = -log_proba[np.arange(len(y)), y].mean()
        return nll + 0.5 * alpha * np.sum(est.coef_**2)

    ours = SoftmaxSGDClassifier(
        alpha=alpha, max_iter=300, n_iter_no_change=300, random_state=0
    )
    ours.fit(X, y)  # the budget, on purpose (the module ignores its warning)
    reference = LogisticRegression(C=1 / (alpha * len(y)), max_iter=5000, tol=1e-10)
    reference.fit(X, y)
    assert objective(reference) <= objective(ours) < 1.001 * objective(reference)


@pytest.mark.full_data
def test_full_mnist_accuracy_with_defaults(mnist):
    X_train, y_train, X_test, y_test = mnist
    est = SoftmaxSGDClassifier(random_state=0).fit(X_train, y_train)
    assert est.score(X_test, y_test) >= 0.924
