"""Model selection with a Pipeline and GridSearchCV over both estimators.

skmnist's estimators are ordinary scikit-learn classifiers, so the usual
tools apply: one grid searches both the classifier (softmax regression or
the one-hidden-layer network), its hyper-parameters and whether to reduce the
pixels with PCA first, in parallel on every core (``n_jobs=-1``). The winner
is then scored once on held-out digits, beside scikit-learn's MLPClassifier
with its defaults as the reference.

The reference is untuned and the winner is tuned, so the two accuracies say
what the search bought, not which library is faster or better: for a
like-for-like comparison run ``skmnist compare``.

Run ``python grid_search_pipeline.py`` (the 5,000-digit sample shipped with
skmnist, 20% held out) or ``--quick`` for 1,500 digits, a smaller grid and
15 epochs for every model, the reference included.
"""

import argparse
import time
import warnings

from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist.datasets import load_mnist_sample


def param_grid(quick):
    """Both estimators in one grid: the "clf" step itself is a parameter."""
    max_iter = 15 if quick else 100
    softmax = {
        "reduce": ["passthrough", PCA(n_components=50, random_state=0)],
        "clf": [SoftmaxSGDClassifier(max_iter=max_iter, random_state=0)],
        "clf__alpha": [1e-5, 1e-3] if quick else [1e-6, 1e-5, 1e-4, 1e-3],
    }
    network = {
        "reduce": ["passthrough"],
        "clf": [TwoLayerMLPClassifier(max_iter=max_iter, random_state=0)],
        "clf__n_hidden": [64] if quick else [64, 256],
        "clf__dropout": [0.0, 0.2] if not quick else [0.0],
    }
    return [softmax, network]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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

    pipeline = Pipeline([("reduce", "passthrough"), ("clf", SoftmaxSGDClassifier())])
    # The quick grid is too small to gain from worker processes, and runs in
    # this one, where the filter below reaches its fits on every scikit-learn
    # (before 1.7 workers did not inherit warning filters).
    n_jobs = 1 if args.quick else -1
    search = GridSearchCV(pipeline, param_grid(args.quick), cv=3, n_jobs=n_jobs)
    with warnings.catch_warnings():
        # Short epoch budgets in the quick grid are deliberate.
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        search.fit(X_train, y_train)
        search_time = time.perf_counter() - start
        reference = MLPClassifier(random_state=0)
        if args.quick:
            reference.set_params(max_iter=15)
        reference.fit(X_train, y_train)

    best = search.best_params_
    print(
        f"{len(search.cv_results_['params'])} candidates x 3 folds in "
        f"{search_time:.1f} s"
    )
    print(
        f"best: {type(best['clf']).__name__}, reduce={best['reduce']}, "
        + ", ".join(f"{k}={v}" for k, v in best.items() if k.startswith("clf__"))
        + f" (cross-validated accuracy {search.best_score_:.4f})"
    )
    ours = 100 * search.score(X_test, y_test)
    theirs = 100 * reference.score(X_test, y_test)
    reference_name = "MLPClassifier(max_iter=15)" if args.quick else "MLPClassifier()"
    print(
        f"ours: held-out accuracy {ours:.1f}% | {reference_name}, untuned: "
        f"{theirs:.1f}%"
    )


if __name__ == "__main__":
    main()
