"""The Coursera ex4 digits (20x20, 5,000 images): cross-validated accuracy.

TwoLayerMLPClassifier with README's recommended settings against the course
article's MLPClassifier and a tuned MLPClassifier, on the same 5 stratified
folds, in one process. Needs ``digits20x20.mat`` (or the course's
``ex4data1.mat``) in the data directory (SKMNIST_DATA).

    python benchmarks/bench_digits20x20.py [path/to/ex4data1.mat]
"""

import os
import sys
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier

from _common import print_table
from skmnist import TwoLayerMLPClassifier
from skmnist._compare import MODELS
from skmnist.datasets import get_data_home, load_mat

OURS = dict(n_hidden=200, dropout=0.5, learning_rate_init=2e-3, max_iter=60)
TUNED = dict(hidden_layer_sizes=(200,), alpha=1.0, max_iter=400, random_state=0)


def find_course_file():
    """The course's digits in the data directory, under either of its names."""
    for name in ("digits20x20.mat", "ex4data1.mat"):
        path = os.path.join(get_data_home(), name)
        if os.path.isfile(path):
            return path
    sys.exit(
        f"Neither digits20x20.mat nor ex4data1.mat in {get_data_home()}; set "
        "SKMNIST_DATA or pass the file's path."
    )


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else find_course_file()
    X, y = load_mat(path, return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    models = {
        f"TwoLayerMLPClassifier({OURS})": TwoLayerMLPClassifier(random_state=0, **OURS),
        # The same model `skmnist compare` runs as "sklearn-mlp-course".
        "MLPClassifier, course article settings": MODELS["sklearn-mlp-course"].build(
            None, None, 0
        ),
        f"MLPClassifier, tuned {TUNED}": MLPClassifier(**TUNED),
    }
    rows, fit_times = [], []
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            result = cross_validate(model, X, y, cv=cv, return_train_score=True)
            total = time.perf_counter() - start
        fit_times.append(result["fit_time"].mean())
        rows.append(
            [
                name,
                f"{result['test_score'].mean():.4f}",
                f"{result['train_score'].mean():.4f}",
                f"{fit_times[-1]:.1f}",
                f"{total:.0f}",
            ]
        )
    for row, fit_time in zip(rows, fit_times):
        row.append(f"{fit_times[1] / fit_time:.1f}x")
    print(f"{path}: 5-fold stratified CV, {X.shape[0]} digits of {X.shape[1]} pixels")
    print_table(
        ["model", "CV acc", "train acc", "fit s/fold", "total s", "speed vs course"],
        rows,
    )


if __name__ == "__main__":
    main()
