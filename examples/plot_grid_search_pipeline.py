"""
Model selection: a Pipeline and GridSearchCV over both estimators
=================================================================

skmnist's estimators are ordinary scikit-learn classifiers, so the usual
tools apply: one grid searches the classifier itself (softmax regression or
the one-hidden-layer network), its hyper-parameters and whether to reduce
the pixels with PCA first. The winner is then scored once on held-out
digits, beside scikit-learn's :class:`~sklearn.neural_network.MLPClassifier`
as an untuned reference.

The reference is untuned and the winner is tuned, so the two accuracies say
what the search bought, not which library is faster or better: for a
like-for-like comparison run ``skmnist compare``.

This page searches a small grid on 1,500 of the 5,000 digits shipped with
skmnist, 15 epochs for every model (the reference included). A larger grid
on all 5,000 digits, up to 100 epochs, in parallel on every core::

    python examples/plot_grid_search_pipeline.py --full
"""

# %%
# Options and data
# ----------------
import argparse
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist.datasets import load_mnist_sample

parser = argparse.ArgumentParser(description="A Pipeline and GridSearchCV.")
parser.add_argument(
    "--full",
    action="store_true",
    help="all 5,000 digits, a larger grid, up to 100 epochs, every core",
)
args = parser.parse_args()
small = not args.full

X, y = load_mnist_sample(return_X_y=True)
if small:
    X, _, y, _ = train_test_split(X, y, train_size=1500, stratify=y, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=0
)


# %%
# One grid, both estimators
# -------------------------
# The ``"clf"`` step is itself a parameter: each sub-grid names its
# estimator and that estimator's own parameters.
def param_grid(small):
    """Both estimators in one grid: the "clf" step itself is a parameter."""
    max_iter = 15 if small else 100
    softmax = {
        "reduce": ["passthrough", PCA(n_components=50, random_state=0)],
        "clf": [SoftmaxSGDClassifier(max_iter=max_iter, random_state=0)],
        "clf__alpha": [1e-5, 1e-3] if small else [1e-6, 1e-5, 1e-4, 1e-3],
    }
    network = {
        "reduce": ["passthrough"],
        "clf": [TwoLayerMLPClassifier(max_iter=max_iter, random_state=0)],
        "clf__n_hidden": [64] if small else [64, 256],
        "clf__dropout": [0.0, 0.2] if not small else [0.0],
    }
    return [softmax, network]


pipeline = Pipeline([("reduce", "passthrough"), ("clf", SoftmaxSGDClassifier())])
# The small grid gains nothing from worker processes and runs in this one,
# where the filter below reaches its fits on every scikit-learn (before 1.7
# workers did not inherit warning filters).
search = GridSearchCV(pipeline, param_grid(small), cv=3, n_jobs=1 if small else -1)
with warnings.catch_warnings():
    # Short epoch budgets in the small grid are deliberate.
    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    search.fit(X_train, y_train)
    search_time = time.perf_counter() - start
    reference = MLPClassifier(random_state=0)
    if small:
        reference.set_params(max_iter=15)
    reference.fit(X_train, y_train)

best = search.best_params_
print(
    f"{len(search.cv_results_['params'])} candidates x 3 folds in {search_time:.1f} s"
)
print(
    f"best: {type(best['clf']).__name__}, reduce={best['reduce']}, "
    + ", ".join(f"{k}={v}" for k, v in best.items() if k.startswith("clf__"))
    + f" (cross-validated accuracy {search.best_score_:.4f})"
)
ours = 100 * search.score(X_test, y_test)
theirs = 100 * reference.score(X_test, y_test)
reference_name = "MLPClassifier(max_iter=15)" if small else "MLPClassifier()"
print(f"ours: held-out accuracy {ours:.1f}% | {reference_name}, untuned: {theirs:.1f}%")


# %%
# Every candidate's cross-validated accuracy
# ------------------------------------------
def describe(params):
    """A short label: the estimator, PCA or not, and its grid values."""
    name = "softmax" if isinstance(params["clf"], SoftmaxSGDClassifier) else "MLP"
    reduce = "PCA 50, " if params["reduce"] != "passthrough" else ""
    values = ", ".join(
        f"{key[5:]}={value}" for key, value in params.items() if key.startswith("clf__")
    )
    return f"{name}: {reduce}{values}"


results = search.cv_results_
order = np.argsort(results["mean_test_score"])
fig, ax = plt.subplots(figsize=(8, 0.4 * len(order) + 1.2))
ax.barh(
    [describe(results["params"][i]) for i in order],
    results["mean_test_score"][order],
    xerr=results["std_test_score"][order],
    color=["C1" if i == search.best_index_ else "C0" for i in order],
)
ax.set_xlim(0.5, 1.0)
ax.set_xlabel("mean accuracy over 3 folds (bars: one standard deviation)")
ax.set_title("GridSearchCV over a Pipeline of both estimators (best in orange)")
fig.tight_layout()
plt.show()
