"""What the benchmark scripts share: the data, timers, interleaved rounds
with their spread, BLAS thread settings, a table printer."""

import contextlib
import os
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


def interleaved_rounds(contenders, rounds):
    """Time every contender once per round, back to back, ``rounds`` times.

    ``contenders`` maps names to callables returning seconds. Interleaving
    makes a slow spell of a shared machine hit all of them alike, and the
    order rotates from round to round; returns each one's list of times.
    """
    times = {name: [] for name in contenders}
    names = list(contenders)
    for round_ in range(rounds):
        # Each round starts with the next contender: none always goes first.
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(contenders[name]())
    return times


def spread(values):
    """``(median, first quartile, third quartile)`` of ``values``."""
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return float(median), float(q1), float(q3)


def ratio_text(numerators, denominators):
    """The median of the per-round ratios, with their interquartile range."""
    median, q1, q3 = spread(np.divide(numerators, denominators))
    return f"{median:.2f}x ({q1:.2f}-{q3:.2f})"


def seconds_text(values, digits=3):
    """Median seconds, with the interquartile range."""
    median, q1, q3 = spread(values)
    return f"{median:.{digits}f} ({q1:.{digits}f}-{q3:.{digits}f})"


def thread_counts():
    """1, 2, 4, ... up to the cores present, and the core count itself."""
    cores = os.cpu_count() or 1
    counts = [1]
    while counts[-1] * 2 < cores:
        counts.append(counts[-1] * 2)
    return counts + [cores] if cores > 1 else counts


@contextlib.contextmanager
def environment(name, value):
    """Run the block with the environment variable ``name`` set to ``value``."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


@contextlib.contextmanager
def blas_threads(n=None, rule=True):
    """Run the block with BLAS limited to ``n`` threads (None: as the process
    started, all cores by default); ``rule=False`` turns skmnist's choice of
    threads per phase off (``SKMNIST_BLAS_THREADS=inherit``), so that ours
    runs on exactly ``n``."""
    from threadpoolctl import threadpool_limits

    rule_setting = "auto" if rule else "inherit"
    with environment("SKMNIST_BLAS_THREADS", rule_setting):
        with threadpool_limits(limits=n, user_api="blas"):
            yield


def floor_epoch(X, widths, batch, seed=0):
    """Seconds for one epoch of the matrix products alone: the floor.

    The same shapes as a network of layer ``widths`` (e.g. ``[100, 10]``,
    or ``[10]`` for softmax regression) trained on ``X`` in batches of
    ``batch`` rows gathered in a shuffled order, as training does: each
    batch's forward products, then the backward ones (each weight gradient
    and each hidden delta). Nothing else: no bias, activation, loss or
    update.
    """
    rng = np.random.default_rng(seed)
    sizes = [X.shape[1], *widths]
    weights = [rng.random((a, b), dtype=X.dtype) for a, b in zip(sizes, sizes[1:])]
    grads = [np.empty_like(w) for w in weights]
    outputs = [np.empty((batch, width), dtype=X.dtype) for width in widths]
    rows = np.empty((batch, X.shape[1]), dtype=X.dtype)
    order = rng.permutation(X.shape[0])
    start = time.perf_counter()
    for first in range(0, X.shape[0] - batch + 1, batch):
        np.take(X, order[first : first + batch], axis=0, out=rows, mode="clip")
        inputs = [rows, *outputs[:-1]]
        for x, w, out in zip(inputs, weights, outputs):
            np.matmul(x, w, out=out)
        for layer in reversed(range(len(weights))):
            np.matmul(inputs[layer].T, outputs[layer], out=grads[layer])
            if layer:
                np.matmul(outputs[layer], weights[layer].T, out=outputs[layer - 1])
    return time.perf_counter() - start


def fastest_floor(X, widths, batch, threads=None):
    """The floor at its fastest thread count up to ``threads`` (None: all
    cores): a fit may run its products on fewer threads than allowed, so
    the fastest is the like-for-like limit."""
    from threadpoolctl import threadpool_limits

    ceiling = threads or os.cpu_count() or 1
    best = np.inf
    for n in [count for count in thread_counts() if count <= ceiling]:
        with threadpool_limits(limits=n, user_api="blas"):
            best = min(best, floor_epoch(X, widths, batch))
    return best
