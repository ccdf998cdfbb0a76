"""SoftmaxSGDClassifier vs scikit-learn's linear classifiers on full MNIST.

Same data (float64 pixels / 255, as most users feed it), same process.
Prints:

1. whole fits at one BLAS thread and at the default (every core), in
   interleaved rounds: test accuracy, median fit seconds, and the median
   (interquartile range) of LogisticRegression's time over ours per round.
   Bar (issue #22): at least 5x at both thread settings, at no loss of
   accuracy (within 0.002 of LogisticRegression's);
2. one epoch (a ``partial_fit`` pass after a warm-up, with the default
   ``average=True`` and with ``average=False``) against the floor:
   the same two matrix products per batch with the shuffled-row gather,
   nothing else, at its fastest thread count up to the one allowed. Bar:
   within 1.5x of the floor at one thread. With averaging, also against
   the floor plus the forward pass over the data that the averaged model's
   loss adds to each epoch.

    python benchmarks/bench_softmax.py [--rounds N]
"""

import argparse
import functools
import os
import time

import numpy as np
from sklearn.linear_model import LogisticRegression, SGDClassifier

from _common import (
    blas_threads,
    fastest_floor,
    interleaved_rounds,
    load_mnist,
    n_epochs,
    print_table,
    ratio_text,
    seconds_text,
    timed_fit,
)
from skmnist import SoftmaxSGDClassifier

BATCH = 200  # SoftmaxSGDClassifier's batch_size="auto"


def whole_fits(X, y, X_test, y_test, rounds):
    """Part 1: fit times and accuracies at one thread and at the default."""
    rows = []
    for threads in (1, None):
        models = {
            "SoftmaxSGDClassifier()": SoftmaxSGDClassifier(random_state=0),
            "LogisticRegression()": LogisticRegression(),
        }
        if threads is None:
            models["SGDClassifier(log_loss, early_stopping)"] = SGDClassifier(
                loss="log_loss", early_stopping=True, random_state=0
            )
        timers = {
            name: functools.partial(timed_fit, model, X, y, warm_up=True)
            for name, model in models.items()
        }
        with blas_threads(threads):
            times = interleaved_rounds(timers, rounds)
        reference = models["LogisticRegression()"].score(X_test, y_test)
        for name, model in models.items():
            accuracy = model.score(X_test, y_test)
            rows.append(
                [
                    name,
                    threads or f"default ({os.cpu_count()})",
                    f"{accuracy:.4f}",
                    f"{accuracy - reference:+.4f}",
                    seconds_text(times[name], digits=2),
                    n_epochs(model),
                    ratio_text(times["LogisticRegression()"], times[name]),
                ]
            )
    print_table(
        [
            "model",
            "BLAS threads",
            "test acc",
            "vs LogReg",
            "fit s",
            "epochs/iters",
            "LogReg time / its",
        ],
        rows,
    )


def epoch_vs_floor(X, y, rounds):
    """Part 2: one partial_fit epoch against the floor of its products.

    With ``average=False`` too: the averaged model's loss is a forward pass
    over the data that the floor does not make.
    """
    classes = np.unique(y)
    rows = []
    for threads in (1, None):
        timers = {}
        for average in (True, False):
            model = SoftmaxSGDClassifier(average=average, random_state=0)
            model.partial_fit(X, y, classes=classes)  # warm-up, untimed
            timers[f"average={average}"] = functools.partial(_timed_epoch, model, X, y)
        timers["floor"] = functools.partial(
            fastest_floor, X, [len(classes)], BATCH, threads
        )
        timers["scoring pass"] = functools.partial(scoring_pass, X, len(classes))
        with blas_threads(threads):
            times = interleaved_rounds(timers, rounds)
        with_pass = np.add(times["floor"], times["scoring pass"])
        for name in ("average=True", "average=False"):
            averaged = name == "average=True"
            rows.append(
                [
                    threads or f"default ({os.cpu_count()})",
                    name,
                    seconds_text(times[name]),
                    seconds_text(times["floor"]),
                    ratio_text(times[name], times["floor"]),
                    seconds_text(times["scoring pass"]) if averaged else "-",
                    ratio_text(times[name], with_pass) if averaged else "-",
                ]
            )
    print_table(
        [
            "BLAS threads",
            "model",
            "ours s/epoch",
            "floor s/epoch",
            "ours / floor",
            "scoring pass s",
            "ours / (floor + pass)",
        ],
        rows,
    )


def scoring_pass(X, n_classes, chunk=4096):
    """Seconds of the one product averaging adds to an epoch: the forward
    pass over every row that the averaged model's loss needs, in the chunks
    the estimator scores in."""
    weights = np.random.default_rng(0).random((X.shape[1], n_classes), dtype=X.dtype)
    logits = np.empty((chunk, n_classes), dtype=X.dtype)
    start = time.perf_counter()
    for first in range(0, X.shape[0], chunk):
        rows = X[first : first + chunk]
        np.matmul(rows, weights, out=logits[: rows.shape[0]])
    return time.perf_counter() - start


def _timed_epoch(model, X, y):
    start = time.perf_counter()
    model.partial_fit(X, y)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    rounds = parser.parse_args().rounds
    X_train, y_train, X_test, y_test = load_mnist(np.float64)
    print(
        "1. Full MNIST, 60,000 train / 10,000 test, float64 pixels / 255: "
        f"medians of {rounds} interleaved rounds (interquartile ranges in brackets)"
    )
    whole_fits(X_train, y_train, X_test, y_test, rounds)
    print(f"\n2. One epoch against its floor ({2 * rounds + 1} rounds)")
    epoch_vs_floor(X_train, y_train, 2 * rounds + 1)


if __name__ == "__main__":
    main()
