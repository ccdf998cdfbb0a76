"""Compiled kernels on slices of their data, in parallel threads.

The resampling of a batch of images and the optimizer's update are loops
whose items are independent (an image, a parameter): cut into contiguous
slices and run on several threads, they compute exactly what one thread
computes, item by item in the same arithmetic, so results are identical
(the tests check it).  The kernels release the GIL (``nogil=True``), so
Python threads run them in parallel; no second threading runtime (numba's
``parallel=True`` layers, one of which aborts when two Python threads use it
at once) sits next to OpenBLAS's.

They are off unless asked for: ``SKMNIST_KERNEL_THREADS=N`` runs them on
``N`` threads.  On a 2-core machine they did not pay
(``benchmarks/bench_kernel_threads.py``: Adam's update at 800 hidden units
0.93x, the elastic distortion 1.00x; OpenBLAS's threads,
which spin between products, are a likely reason).  On machines with many
cores, where the products shrink and these passes do not, they are the
lever the README's scaling analysis points to, not yet measured there.
They run between the matrix products, never beside them.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

ENVIRONMENT_VARIABLE = "SKMNIST_KERNEL_THREADS"

_lock = threading.Lock()
_pool = None
_in_worker = threading.local()


def kernel_threads_setting():
    """``SKMNIST_KERNEL_THREADS`` as a thread count, or None when unset;
    a fit reads it before its first epoch, so a bad value fails early."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return None
    try:
        wanted = int(value)
    except ValueError:
        wanted = 0
    if wanted < 1:
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE}={value!r} must be a whole number of "
            "threads, at least 1."
        )
    return wanted


def kernel_threads():
    """Threads a parallel kernel may use now: ``SKMNIST_KERNEL_THREADS``,
    else 1 (off)."""
    return kernel_threads_setting() or 1


def in_slices(function, n_items, min_items_per_thread, n_threads=None):
    """Call ``function(start, stop)`` on contiguous slices covering
    ``range(n_items)``, in parallel when each thread gets at least
    ``min_items_per_thread`` items; return when all are done.

    Every slice has finished when this returns or raises, even on Ctrl-C:
    a slice still writing into the parameters after the fit has moved on
    (to keep or restore weights) would tear them.
    """
    if getattr(_in_worker, "active", False):
        function(0, n_items)
        return
    if n_threads is None:
        n_threads = kernel_threads()
    n_slices = min(n_threads, n_items // max(1, min_items_per_thread))
    if n_slices <= 1:
        function(0, n_items)
        return
    bounds = np.linspace(0, n_items, n_slices + 1).astype(np.intp)
    slices = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
    pool = _executor(n_slices - 1)
    futures = [pool.submit(_run_in_worker, function, *each) for each in slices[1:]]
    try:
        function(*slices[0])  # the first slice on the calling thread
    finally:
        interrupted = _wait_for_all(futures)
    for future in futures:
        future.result()  # a slice's error, once all have ended
    if interrupted is not None:
        raise interrupted


def _wait_for_all(futures):
    """Wait until every future is done; return a KeyboardInterrupt that came
    meanwhile (to raise once nothing runs any more), or None."""
    interrupted = None
    while True:
        try:
            wait(futures)
            return interrupted
        except KeyboardInterrupt as exc:
            interrupted = exc


def _run_in_worker(function, start, stop):
    # A kernel that itself splits (none does today) stays on this thread.
    _in_worker.active = True
    try:
        function(start, stop)
    finally:
        _in_worker.active = False


def _forget_pool_in_child():
    # A forked child has the parent's executor but none of its threads, and
    # maybe a lock held by a thread that does not exist there.
    global _lock, _pool
    _lock, _pool = threading.Lock(), None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def _executor(n_workers):
    global _pool
    with _lock:
        if _pool is None or _pool._max_workers < n_workers:
            _pool = ThreadPoolExecutor(n_workers, "skmnist-kernel")
        return _pool
