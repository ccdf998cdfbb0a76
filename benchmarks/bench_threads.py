"""Where a second BLAS thread starts to pay: the data behind skmnist's rule.

For hidden layers of several widths (and softmax regression, width 0), one
epoch of TwoLayerMLPClassifier (Adam, batch 200, float32, full MNIST) on
exactly N BLAS threads (our choice of threads off), for N from 1 to the
cores present, in interleaved rounds; then the same at the default, where
the trainer picks the minibatch phase's threads by the work per product
(``skmnist._threads.WORK_PER_THREAD``). Prints medians, the fastest count
and how far the default is from it.

    python benchmarks/bench_threads.py [--rounds N]
"""

import argparse
import os

import numpy as np

from _common import (
    blas_threads,
    interleaved_rounds,
    load_mnist,
    print_table,
    seconds_text,
    thread_counts,
    timed_fit,
)
from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist._threads import minibatch_blas_threads

BATCH = 200
WIDTHS = [0, 100, 200, 400, 800, 1200]


def model(width):
    if width == 0:
        return SoftmaxSGDClassifier(max_iter=2, tol=0, random_state=0)
    return TwoLayerMLPClassifier(
        width, batch_size=BATCH, max_iter=1, tol=0, random_state=0
    )


def timer(estimator, X, y, threads, rule):
    def measure():
        with blas_threads(threads, rule=rule):
            return timed_fit(estimator, X, y, warm_up=True) / estimator.n_iter_

    return measure


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    rounds = parser.parse_args().rounds
    X, y, _, _ = load_mnist(np.float32)
    counts = thread_counts()
    print(
        f"Seconds per epoch, full MNIST float32, batch {BATCH}, {os.cpu_count()} "
        f"cores: medians of {rounds} interleaved rounds (interquartile ranges)"
    )
    rows = []
    for width in WIDTHS:
        estimator = model(width)
        timers = {n: timer(estimator, X, y, n, rule=False) for n in counts}
        timers["default"] = timer(estimator, X, y, None, rule=True)
        times = interleaved_rounds(timers, rounds)
        medians = {n: float(np.median(times[n])) for n in counts}
        fastest = min(medians, key=medians.get)
        shapes = [(784, width or 10)]
        rule = minibatch_blas_threads(shapes, BATCH)
        chosen = "off" if rule is None else min(rule, counts[-1])
        default = float(np.median(times["default"]))
        rows.append(
            [
                width or "softmax",
                *(seconds_text(times[n]) for n in counts),
                fastest,
                f"{chosen} ({default / medians[fastest]:.2f}x the fastest)",
            ]
        )
    print_table(
        [
            "hidden",
            *(f"{n} thread{'s' * (n > 1)}" for n in counts),
            "fastest",
            "default: chosen",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
