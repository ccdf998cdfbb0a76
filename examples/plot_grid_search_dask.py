"""
A grid search spread over Dask workers
======================================

scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` runs its fits
through joblib; inside ``joblib.parallel_backend("dask")`` joblib hands them
to the Dask workers of the active ``distributed.Client``, and the search is
otherwise unchanged (same candidates, folds and results as with the default
backend).

Without arguments the script starts a two-worker ``LocalCluster``; with
``--scheduler ADDRESS`` (e.g. ``tcp://10.0.0.5:8786``) it uses a running
cluster, whose workers need skmnist installed (``pip install
"skmnist[dask,fast]"``). Before the search, every worker trains a tiny copy
of each candidate, so that numba compiles (or loads from its on-disk cache)
the training kernels once per worker, up front, instead of inside the first
timed fits.

This page is shown, not run, when the documentation is built (it starts a
cluster). Run it as::

    python examples/plot_grid_search_dask.py            # 5,000-digit sample
    python examples/plot_grid_search_dask.py --quick    # 1,500 digits, small grid

It prints the held-out accuracy of the search's winner; no published figure
is involved. The figure compares every candidate's cross-validated accuracy.
"""

# %%
# The grid, and warming the workers
# ---------------------------------

import argparse
import time
import warnings

import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid, train_test_split

from skmnist import TwoLayerMLPClassifier
from skmnist.datasets import load_mnist_sample


def param_grid(quick):
    if quick:
        return {"n_hidden": [32, 64], "alpha": [1e-5, 1e-3]}
    return {"n_hidden": [64, 256], "alpha": [1e-5, 1e-3], "dropout": [0.0, 0.2]}


def warm_kernels(estimator, grid, X, y):
    """Train a one-epoch copy of every candidate on a few rows, in a worker.

    numba compiles a kernel for each combination of data types and options
    it meets (activation, dropout, solver): fitting every candidate once on
    data of the real dtype meets them all. Returns the training backend.
    """
    from skmnist._compiled import kernel_backend  # "numba x.y" or "numpy"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch on purpose
        for params in ParameterGrid(grid):
            clone(estimator).set_params(**params, max_iter=1).fit(X, y)
    return kernel_backend()


def connect(scheduler):
    """A client of the given scheduler, or of a new two-worker local cluster."""
    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    return Client(cluster)


# %%
# The search
# ----------
def main(argv=None):
    parser = argparse.ArgumentParser(description="A grid search over Dask workers.")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler (default: a local cluster)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,500 digits, a small grid, 15 epochs"
    )
    args = parser.parse_args(argv)

    X, y = load_mnist_sample(return_X_y=True)
    if args.quick:
        X, _, y, _ = train_test_split(X, y, train_size=1500, stratify=y, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    estimator = TwoLayerMLPClassifier(max_iter=15 if args.quick else 60, random_state=0)
    grid = param_grid(args.quick)
    search = GridSearchCV(estimator, grid, cv=3, n_jobs=-1)

    with connect(args.scheduler) as client:
        start = time.perf_counter()
        # A few training rows (shuffled by the split, so of several classes).
        rows = slice(0, 50)
        backends = client.run(
            warm_kernels, estimator, grid, X_train[rows], y_train[rows]
        )
        warm_time = time.perf_counter() - start
        print(
            f"{len(backends)} workers warmed in {warm_time:.1f} s: "
            + ", ".join(sorted(set(backends.values())))
        )
        with warnings.catch_warnings(), joblib.parallel_backend("dask"):
            # Short epoch budgets are deliberate. This filter covers the refit
            # of the best candidate, here; the workers log their own warnings.
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            search.fit(X_train, y_train)
            search_time = time.perf_counter() - start

    print(
        f"{len(search.cv_results_['params'])} candidates x 3 folds on Dask in "
        f"{search_time:.1f} s; best: {search.best_params_} "
        f"(cross-validated accuracy {search.best_score_:.4f})"
    )
    accuracy = 100 * np.mean(search.predict(X_test) == y_test)
    print(f"ours: held-out accuracy {accuracy:.1f}%")
    plot_candidates(search)


def plot_candidates(search):
    """Every candidate's mean cross-validated accuracy, best in orange."""
    results = search.cv_results_
    labels = [
        ", ".join(f"{k}={v}" for k, v in params.items()) for params in results["params"]
    ]
    order = np.argsort(results["mean_test_score"])
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(order) + 1.2))
    ax.barh(
        [labels[i] for i in order],
        results["mean_test_score"][order],
        xerr=results["std_test_score"][order],
        color=["C1" if i == search.best_index_ else "C0" for i in order],
    )
    ax.set_xlabel("mean accuracy over 3 folds")
    ax.set_title("GridSearchCV on Dask workers")
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    main()
