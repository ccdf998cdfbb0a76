"""Where an epoch's time goes, phase by phase: the data behind the README's
estimate of which phase dominates on many cores.

One epoch of each configuration (full MNIST float32, batch 200), profiled
with cProfile at one BLAS thread and at the default; prints each phase's
seconds and share. The profiler adds about a microsecond per Python call,
charged to "bookkeeping in the epoch".

    python benchmarks/bench_phases.py
"""

import cProfile
import os
import pstats
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from _common import blas_threads, load_mnist, print_table, timed_fit
from skmnist import SoftmaxSGDClassifier, TwoLayerMLPClassifier
from skmnist.augmentation import ElasticDistortion

CONFIGURATIONS = {
    "softmax (average=True)": lambda: SoftmaxSGDClassifier(max_iter=1, tol=0),
    "784-100-10 Adam": lambda: TwoLayerMLPClassifier(100, max_iter=1, tol=0),
    "784-800-10 Adam": lambda: TwoLayerMLPClassifier(800, max_iter=1, tol=0),
    "784-800-10, dropout, elastic": lambda: TwoLayerMLPClassifier(
        800, dropout=0.3, augment=ElasticDistortion(34, 4), max_iter=1, tol=0
    ),
}

# Phase -> the functions whose cumulative time it is (file suffix, name).
PHASES = {
    "matrix products": [("_numerics.py", "matmul")],
    "gather rows": [("_step.py", "_gather")],
    "augmentation": [("_step.py", "_augmented")],
    "bias, activation, dropout, loss": [
        ("_numerics.py", "bias_activation_"),
        ("_numerics.py", "activation_backward_"),
        ("_numerics.py", "softmax_cross_entropy_grad_"),
        ("_numerics.py", "column_sums"),
        ("_step.py", "drop_out"),
    ],
    "optimizer update, averaging": [
        ("_optimizers.py", "step"),
        ("_optimizers.py", "update"),
    ],
}
#: What a fit does before and after its epochs (validation, labels, the
#: "auto" step's data scale, building the fitted network) is all that lies
#: outside this function.
EPOCHS = ("_run.py", "fit_loop")


def cumulative(stats, suffix, name):
    return sum(
        value[3]
        for (path, _, function), value in stats.stats.items()
        if path.endswith(suffix) and function == name
    )


def profile_epoch(make, X, y):
    model = make()
    timed_fit(model, X[:2000], y[:2000])  # compile and warm up, unprofiled
    profiler = cProfile.Profile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch, on purpose
        profiler.enable()
        model.fit(X, y)
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    phases = {
        phase: sum(cumulative(stats, *where) for where in functions)
        for phase, functions in PHASES.items()
    }
    in_epochs = cumulative(stats, *EPOCHS)
    phases["bookkeeping in the epoch"] = in_epochs - sum(phases.values())
    phases["before and after the epochs"] = total - in_epochs
    return total, phases


def main():
    X, y, _, _ = load_mnist(np.float32)
    for threads in (1, None):
        label = threads or f"default ({os.cpu_count()})"
        rows = []
        for name, make in CONFIGURATIONS.items():
            with blas_threads(threads):
                total, phases = profile_epoch(make, X, y)
            rows.append(
                [name, f"{total:.2f}"]
                + [
                    f"{seconds:.2f} ({seconds / total:.0%})"
                    for seconds in phases.values()
                ]
            )
        print(f"\nOne epoch, BLAS threads: {label}; seconds (share of the epoch)")
        print_table(["configuration", "epoch s", *phases], rows)


if __name__ == "__main__":
    main()
