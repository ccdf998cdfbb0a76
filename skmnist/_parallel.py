"""Compiled kernels on slices of their data, in parallel threads.

The resampling of a batch of images and the optimizer's update are loops
whose items are independent (an image, a parameter): cut into contiguous
slices and run on several threads, they compute exactly what one thread
computes, item by item in the same arithmetic, so results are identical
(the tests check it).  The kernels release the GIL (``nogil=True``), so
Python threads run them in parallel; no second threading runtime (numba's
``parallel=True`` layers, one of which aborts when two Python threads use it
at once) sits next to OpenBLAS's.

The thread count is the BLAS thread count the user allows
(:func:`skmnist._threads.allowed_blas_threads`: ``threadpoolctl``, the
``*_NUM_THREADS`` variables, joblib's ``inner_max_num_threads``), so a
limit the user sets for BLAS holds for these kernels too; it is the user's
ceiling, not the fewer threads a minibatch phase gives its small products,
whose idle cores the kernels can then use.  They run between the matrix
products, never beside them.  ``SKMNIST_KERNEL_THREADS=N`` sets the count
(1: on the calling thread only).
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._threads import allowed_blas_threads

ENVIRONMENT_VARIABLE = "SKMNIST_KERNEL_THREADS"

_lock = threading.Lock()
_pool = None  # (process id, executor): a forked child makes its own
_in_worker = threading.local()


def kernel_threads():
    """Threads a parallel kernel may use now (at least 1)."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if value:
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
    allowed = allowed_blas_threads()
    return max(1, allowed or 1)


def in_slices(function, n_items, min_items_per_thread, n_threads=None):
    """Call ``function(start, stop)`` on contiguous slices covering
    ``range(n_items)``, in parallel when each thread gets at least
    ``min_items_per_thread`` items; return when all are done."""
    if n_threads is None:
        n_threads = kernel_threads()
    n_slices = min(n_threads, n_items // max(1, min_items_per_thread))
    if n_slices <= 1 or getattr(_in_worker, "active", False):
        function(0, n_items)
        return
    bounds = np.linspace(0, n_items, n_slices + 1).astype(np.intp)
    slices = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
    pool = _executor(n_slices - 1)
    futures = [pool.submit(_run_in_worker, function, *each) for each in slices[1:]]
    try:
        function(*slices[0])  # the first slice on the calling thread
    finally:
        for future in futures:
            future.result()


def _run_in_worker(function, start, stop):
    # A kernel that itself splits (none does today) stays on this thread.
    _in_worker.active = True
    try:
        function(start, stop)
    finally:
        _in_worker.active = False


def _executor(n_workers):
    global _pool
    with _lock:
        pid = os.getpid()
        if _pool is None or _pool[0] != pid or _pool[1]._max_workers < n_workers:
            # A forked child inherits the executor but not its threads.
            _pool = (pid, ThreadPoolExecutor(n_workers, "skmnist-kernel"))
        return _pool[1]
