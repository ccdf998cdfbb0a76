"""Which validation quantity should early stopping watch: loss or accuracy?

MLPClassifier stops on (and keeps the weights of) the best validation
accuracy; our estimators watch the validation loss by default. This script
measures both choices on the same data, splits and seeds: held-out test
accuracy after ``early_stopping=True`` with ``monitor="loss"`` and with
``monitor="accuracy"``, for both estimators, on scikit-learn's 8x8 digits,
the course's 20x20 digits and a 12,000-image MNIST subset (the last two from
the data directory when present).

    python benchmarks/bench_early_stopping_monitor.py [--seeds 3]
"""

import argparse
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist.datasets import fetch_mnist, get_data_home, load_mat

MODELS = {
    "TwoLayerMLPClassifier(n_hidden=100)": lambda **kw: TwoLayerMLPClassifier(
        n_hidden=100, **kw
    ),
    "SoftmaxSGDClassifier()": lambda **kw: SoftmaxSGDClassifier(**kw),
}


def datasets():
    X, y = load_digits(return_X_y=True)
    yield "sklearn digits 8x8", X / 16, y
    home = Path(get_data_home())
    for name in ("digits20x20.mat", "ex4data1.mat"):
        if (home / name).exists():
            X, y = load_mat(home / name, return_X_y=True)
            yield "course 20x20 .mat", X, y
            break
    try:
        X, y = fetch_mnist(download_if_missing=False, return_X_y=True)
    except (OSError, ValueError):
        return
    rows = np.random.default_rng(0).choice(len(y), 12_000, replace=False)
    yield "MNIST 12k subset", X[rows], y[rows]


def test_accuracy(make, monitor, X, y, seed):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y
    )
    model = make(early_stopping=True, monitor=monitor, random_state=seed, max_iter=300)
    return model.fit(X_train, y_train).score(X_test, y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # short runs may stop at max_iter: not the point
    print(f"held-out accuracy, mean of {args.seeds} seeds (split, init and shuffle)")
    header = (
        f"{'data':<20} {'model':<38} {'loss':>7} {'accuracy':>9} {'loss better':>12}"
    )
    print(header)
    print("-" * len(header))
    for data_name, X, y in datasets():
        for model_name, make in MODELS.items():
            scores = {
                monitor: np.mean(
                    [test_accuracy(make, monitor, X, y, s) for s in range(args.seeds)]
                )
                for monitor in ("loss", "accuracy")
            }
            gain = scores["loss"] - scores["accuracy"]
            print(
                f"{data_name:<20} {model_name:<38} {scores['loss']:>7.4f} "
                f"{scores['accuracy']:>9.4f} {gain:>+12.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
