"""What the benchmark scripts share: the data, a timer, a table printer."""

import sys
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skmnist.datasets import fetch_mnist


def load_mnist(dtype):
    """Full MNIST as pixels / 255 in ``dtype``; exit with a hint if absent."""
    try:
        train = fetch_mnist(subset="train", download_if_missing=True)
        test = fetch_mnist(subset="test", download_if_missing=True)
    except OSError as exc:
        sys.exit(f"MNIST is needed: {exc}")
    return (
        train.data.astype(dtype, copy=False),
        train.target,
        test.data.astype(dtype, copy=False),
        test.target,
    )


def timed_fit(estimator, X, y, warm_up=False, **fit_params):
    """Fit; return the fit time in seconds (convergence warnings silenced).

    ``warm_up`` first fits a clone on 2,000 rows, untimed, so that what is
    paid once per process (imports, first-touch memory) is not charged to
    whichever model happens to run first.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if warm_up:
            clone(estimator).fit(X[:2000], y[:2000])
        start = time.perf_counter()
        estimator.fit(X, y, **fit_params)
        return time.perf_counter() - start


def n_epochs(estimator):
    return int(np.max(estimator.n_iter_))


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).rjust(w) for cell, w in zip(row, widths)))
    sys.stdout.flush()
